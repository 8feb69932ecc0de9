import { createHash } from 'node:crypto';
import { type TicketPriority, ticketPriority } from '../db/schema.js';
import { decodeCursor, encodeCursor } from '../lib/cursor.js';
import { errors } from '../lib/errors.js';

/**
 * Cursors of GET /tickets for every order it offers. Each is a keyset position: the sort key values of the
 * last row of a page, never an offset. The created_at orders keep the cursor every list has
 * (lib/cursor.ts: `[ms, id]`), byte for byte, as clients hold such cursors; the other orders tag theirs with
 * the order's name, so a cursor of one order sent with another is a 422 (never a comparison of unlike values
 * and a database error). A created_at cursor sent with other filters than its first page's is harmless: it
 * is a position in (created_at, id), which means the same whatever the filters. A relevance cursor is a
 * score, which means something only for the `q` it was computed for: it carries a digest of that `q`.
 */

export const TICKET_SORTS = [
  'created_at_desc',
  'created_at_asc',
  'updated_at_desc',
  'updated_at_asc',
  'priority_desc',
  'relevance',
] as const;
export type TicketSort = (typeof TICKET_SORTS)[number];

export type TicketPosition =
  | { by: 'created_at'; at: Date; id: number }
  | { by: 'updated_at'; at: Date; id: number }
  /** priority desc, created_at desc, id desc. */
  | { by: 'priority'; priority: TicketPriority; at: Date; id: number }
  /** The search score (repository: ts_rank and the exact hits), then id. */
  | { by: 'relevance'; rank: number; id: number };

/** What a row of a page tells about its place in any order. */
export interface PositionSource {
  id: number;
  createdAt: Date;
  updatedAt: Date;
  priority: TicketPriority;
  /** Relevance pages only. */
  rank?: number;
}

const MAX_ID = 2_147_483_647;
// Same bounds as lib/cursor.ts: rows are stamped by the database clock, so nothing outside 1970–9999.
const MAX_MS = 253_402_300_799_999;

/** A short digest of `q`: a relevance cursor is only valid for the query that produced its scores. */
export const queryTag = (q: string): string => createHash('sha256').update(q).digest('base64url').slice(0, 11);

export function positionOf(sort: TicketSort, row: PositionSource): TicketPosition {
  switch (sort) {
    case 'created_at_desc':
    case 'created_at_asc':
      return { by: 'created_at', at: row.createdAt, id: row.id };
    case 'updated_at_desc':
    case 'updated_at_asc':
      return { by: 'updated_at', at: row.updatedAt, id: row.id };
    case 'priority_desc':
      return { by: 'priority', priority: row.priority, at: row.createdAt, id: row.id };
    case 'relevance':
      return { by: 'relevance', rank: row.rank ?? 0, id: row.id };
  }
}

/** `q`: the search of the page (relevance cursors are bound to it). */
export function encodeTicketCursor(sort: TicketSort, position: TicketPosition, q?: string): string {
  const json = (value: unknown[]) => Buffer.from(JSON.stringify(value)).toString('base64url');
  switch (position.by) {
    case 'created_at':
      return encodeCursor({ createdAt: position.at, id: position.id });
    case 'updated_at':
      return json([sort, position.at.getTime(), position.id]);
    case 'priority':
      return json([sort, position.priority, position.at.getTime(), position.id]);
    case 'relevance':
      return json([sort, position.rank, position.id, queryTag(q ?? '')]);
  }
}

const isId = (value: unknown): value is number =>
  Number.isSafeInteger(value) && (value as number) >= 0 && (value as number) <= MAX_ID;
const isMs = (value: unknown): value is number =>
  Number.isSafeInteger(value) && (value as number) >= 0 && (value as number) <= MAX_MS;
const isPriority = (value: unknown): value is TicketPriority =>
  typeof value === 'string' && (ticketPriority.enumValues as readonly string[]).includes(value);

/** A cursor for `sort` (and, for relevance, `q`); anything else — another order's, garbage — is a 422. */
export function decodeTicketCursor(sort: TicketSort, text: string, q?: string): TicketPosition {
  if (sort === 'created_at_desc' || sort === 'created_at_asc') {
    const { createdAt, id } = decodeCursor(text);
    return { by: 'created_at', at: createdAt, id };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw errors.badCursor();
  }
  if (!Array.isArray(parsed) || parsed[0] !== sort) throw errors.badCursor();
  const values: unknown[] = parsed.slice(1);
  if (sort === 'updated_at_desc' || sort === 'updated_at_asc') {
    const [ms, id] = values;
    if (values.length === 2 && isMs(ms) && isId(id)) return { by: 'updated_at', at: new Date(ms), id };
  } else if (sort === 'priority_desc') {
    const [priority, ms, id] = values;
    if (values.length === 3 && isPriority(priority) && isMs(ms) && isId(id)) {
      return { by: 'priority', priority, at: new Date(ms), id };
    }
  } else {
    const [rank, id, tag] = values;
    // Scores are finite and non-negative; a cursor of another search is refused rather than misread.
    if (
      values.length === 3 &&
      typeof rank === 'number' &&
      Number.isFinite(rank) &&
      rank >= 0 &&
      isId(id) &&
      tag === queryTag(q ?? '')
    ) {
      return { by: 'relevance', rank, id };
    }
  }
  throw errors.badCursor();
}

/** Fetch one row more than asked (its presence says a next page exists); the cursor is the last row's position. */
export function ticketPage<T>(
  rows: T[],
  limit: number,
  cursorOf: (row: T) => string,
): { items: T[]; nextCursor: string | null } {
  if (rows.length <= limit) return { items: rows, nextCursor: null };
  const items = rows.slice(0, limit);
  return { items, nextCursor: cursorOf(items[items.length - 1] as T) };
}
