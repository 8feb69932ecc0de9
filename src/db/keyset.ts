import { type Column, gt, lt, type SQL, sql } from 'drizzle-orm';
import type { Cursor } from '../lib/cursor.js';

/**
 * Keyset pagination (lib/cursor.ts): the rows past `cursor` in a list ordered by (created_at, id), ascending
 * or descending. Backed by an index ending in (created_at, id), a page costs the same at any depth.
 */
export function pastCursor(
  columns: { createdAt: Column; id: Column },
  cursor: Cursor | undefined,
  order: 'asc' | 'desc',
): SQL | undefined {
  if (!cursor) return undefined;
  const position = sql`(${columns.createdAt}, ${columns.id})`;
  const value = sql`(${cursor.createdAt.toISOString()}::timestamptz, ${cursor.id})`;
  return order === 'asc' ? gt(position, value) : lt(position, value);
}
