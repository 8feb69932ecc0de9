import { errors } from './errors.js';

/** Position after the last row of a page, in the list's (created_at, id) order. */
export interface Cursor {
  createdAt: Date;
  id: number;
}

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.createdAt.getTime(), cursor.id])).toString('base64url');
}

/** Cursors are opaque to clients; anything we did not produce is a 422, never a database error. */
export function decodeCursor(text: string): Cursor {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw errors.badCursor();
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== 2 ||
    !Number.isSafeInteger(parsed[0]) ||
    !Number.isSafeInteger(parsed[1]) ||
    parsed[1] < 0 ||
    parsed[1] > 2_147_483_647
  ) {
    throw errors.badCursor();
  }
  // Rows are stamped by the database clock: anything outside 1970–9999 is not a position we handed out
  // (and years beyond 9999 or before the epoch are outside what the timestamp column compares against).
  if ((parsed[0] as number) < 0 || (parsed[0] as number) > 253_402_300_799_999) throw errors.badCursor();
  const createdAt = new Date(parsed[0] as number);
  return { createdAt, id: parsed[1] as number };
}

/** Fetch one row more than asked: its presence says whether a next page exists, without count(*). */
export function paginate<T>(
  rows: T[],
  limit: number,
  position: (row: T) => Cursor,
): { items: T[]; nextCursor: string | null } {
  if (rows.length <= limit) return { items: rows, nextCursor: null };
  const items = rows.slice(0, limit);
  const last = items[items.length - 1] as T;
  return { items, nextCursor: encodeCursor(position(last)) };
}
