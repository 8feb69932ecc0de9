import { errors } from '../lib/errors.js';
import { NO_NUL } from '../lib/validation.js';

const TEXT = new RegExp(NO_NUL, 'u');

/**
 * Position after the last row of a page in a list ordered by (title, id). The generic cursor (lib/cursor.ts)
 * holds a timestamp; this one holds the title itself, so a page continues where the last one ended even if
 * that row was renamed or deleted since.
 */
export interface TitleCursor {
  title: string;
  id: number;
}

/** Titles are at most 200 characters; JSON and base64url make that at most about 1,650 characters. */
export const TITLE_CURSOR_PATTERN = '^[A-Za-z0-9_-]{1,2000}$';

export function encodeTitleCursor(cursor: TitleCursor): string {
  return Buffer.from(JSON.stringify([cursor.title, cursor.id])).toString('base64url');
}

/**
 * Anything we did not issue is a 422 at the cursor, never a database error (a NUL or half a surrogate pair
 * would reach the statement as text PostgreSQL refuses).
 */
export function decodeTitleCursor(text: string): TitleCursor {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw errors.badCursor();
  }
  if (!Array.isArray(parsed) || parsed.length !== 2) throw errors.badCursor();
  const [title, id] = parsed as unknown[];
  if (typeof title !== 'string' || title.length > 200 || !TEXT.test(title)) throw errors.badCursor();
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 0 || id > 2_147_483_647) throw errors.badCursor();
  return { title, id };
}
