import { sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { tickets } from '../db/schema.js';

/**
 * How many tickets carry a tag, up to FEW_TAGGED + 1: which of its two forms a tag filter takes
 * (ticket-list-shape.ts). Counting is one GIN look-up (about a millisecond for a common tag), and the answer
 * only steers the plan, never the rows a list returns, so it is kept for a minute per tag: a tag crossing
 * the line is listed as fast as before for at most that long. Bounded: the cache is emptied when full.
 */

export const FEW_TAGGED = 2000;
const TTL_MS = 60_000;
const MAX_TAGS = 1000;

const counts = new WeakMap<Db, Map<string, { count: number; until: number }>>();

export async function taggedCount(db: Db, tag: string): Promise<number> {
  let known = counts.get(db);
  if (!known) {
    known = new Map();
    counts.set(db, known);
  }
  const now = Date.now();
  const entry = known.get(tag);
  if (entry && entry.until > now) return entry.count;
  const [row] = await db.select({ count: sql<number>`count(*)`.mapWith(Number) }).from(
    db
      .select({ id: tickets.id })
      .from(tickets)
      .where(sql`${tickets.tags} @> array[${tag}::text]`)
      .limit(FEW_TAGGED + 1)
      .as('tagged'),
  );
  const count = row?.count ?? 0;
  if (known.size >= MAX_TAGS) known.clear();
  known.set(tag, { count, until: now + TTL_MS });
  return count;
}
