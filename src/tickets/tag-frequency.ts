import { sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { planStatistic } from '../db/plan-statistics.js';
import { tickets } from '../db/schema.js';

/**
 * How many tickets carry a tag, up to FEW_TAGGED + 1: which of its two forms a tag filter takes
 * (ticket-list-shape.ts). Counting is one GIN look-up (about a millisecond for a common tag); the answer is
 * kept a minute (plan-statistics.ts).
 */

export const FEW_TAGGED = 2000;
const remembered = planStatistic<number>({ ttlMs: 60_000, max: 1000 });

export async function taggedCount(db: Db, tag: string): Promise<number> {
  return remembered(db, tag, async () => {
    const [row] = await db.select({ count: sql<number>`count(*)`.mapWith(Number) }).from(
      db
        .select({ id: tickets.id })
        .from(tickets)
        .where(sql`${tickets.tags} @> array[${tag}::text]`)
        .limit(FEW_TAGGED + 1)
        .as('tagged'),
    );
    return row?.count ?? 0;
  });
}
