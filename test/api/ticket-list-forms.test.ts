import { desc, type SQL, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tickets } from '../../src/db/schema.js';
import { FEW_TAGGED } from '../../src/tickets/tag-frequency.js';
import type { TicketView } from '../../src/tickets/ticket-schemas.js';
import { type Page, type Response, TestContext, type TestUser } from '../helpers/context.js';

/**
 * Lists whose statement takes one of two forms by a figure measured and remembered for a minute (how common
 * a tag or a searched word is): both forms must return the same rows, also when the figure has gone stale.
 *
 * A tag filter runs in one of two forms, chosen by how many tickets carry the tag (counted, and remembered
 * for a minute: src/tickets/tag-frequency.ts): few are looked up by the tag's index, many are walked in
 * date order. Both must list exactly the tagged tickets, in order, page after page — also when a tag counted
 * as rare is put on many tickets while its count is remembered.
 */

let ctx: TestContext;
let op: TestUser;
let customer: TestUser;

beforeAll(async () => {
  ctx = await TestContext.create({ RATE_LIMITS: 'off' });
  op = await ctx.newUser('operator');
  customer = await ctx.newUser('customer');
});
afterAll(async () => ctx.close());

/** `count` tickets by the customer, one a minute from 2024-03-01, carrying `tags`, described by `words`. */
async function insertTagged(count: number, tags: string[], words = 'bulk'): Promise<void> {
  await ctx.db.execute(sql`
    insert into ${tickets} (subject, description, creator_id, tags, created_at, updated_at)
    select 'Bulk ' || g, ${words}, ${customer.user.id}, string_to_array(${tags.join(',')}, ','),
      timestamptz '2024-03-01Z' + g * interval '1 minute', timestamptz '2024-03-01Z' + g * interval '1 minute'
    from generate_series(1, ${count}) as g`);
}

async function walk(url: string, limit: number): Promise<number[]> {
  const ids: number[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 100; page++) {
    const res: Response<Page<TicketView>> = await ctx.request<Page<TicketView>>({
      method: 'GET',
      url: `${url}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`,
      headers: op.auth,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    ids.push(...res.body.data.map((row) => row.id));
    cursor = res.body.meta.next_cursor;
    if (cursor === null) return ids;
  }
  throw new Error(`${url}: no last page after 100 pages`);
}

async function newestFirst(condition: SQL): Promise<number[]> {
  const rows = await ctx.db
    .select({ id: tickets.id })
    .from(tickets)
    .where(condition)
    .orderBy(desc(tickets.createdAt), desc(tickets.id));
  return rows.map((row) => row.id);
}

const taggedNewestFirst = (tag: string) => newestFirst(sql`${tickets.tags} @> array[${tag}::text]`);

describe('a tag filter, whether few or many tickets carry the tag', () => {
  it('lists every ticket of a common tag (walked in order) and of a rare one (looked up), page after page', async () => {
    await insertTagged(FEW_TAGGED + 100, ['common']);
    await insertTagged(7, ['common', 'rare']);
    const common = await taggedNewestFirst('common');
    expect(common.length).toBe(FEW_TAGGED + 107);
    expect(await walk('/api/tickets?tag=common', 200)).toEqual(common);
    const rare = await taggedNewestFirst('rare');
    expect(rare.length).toBe(7);
    expect(await walk('/api/tickets?tag=rare', 3)).toEqual(rare);
    expect(await walk('/api/tickets?tag=rare&status=open&created_after=2024-03-01T00:00:00Z', 2)).toEqual(rare);
  });

  it('a tag counted as rare, then put on many tickets within the minute, still lists them all', async () => {
    await insertTagged(3, ['late']);
    expect(await walk('/api/tickets?tag=late', 20)).toHaveLength(3);
    await ctx.db.execute(
      sql`update ${tickets} set tags = array['common', 'late'] where ${tickets.tags} = array['common']`,
    );
    const late = await taggedNewestFirst('late');
    expect(late.length).toBe(FEW_TAGGED + 103);
    expect(await walk('/api/tickets?tag=late', 200)).toEqual(late);
  });
});

describe('a search, whether few or many tickets match the word', () => {
  it('a word counted as rare, then written in many tickets within the minute, still finds them all', async () => {
    await insertTagged(4, [], 'zyxomatic gadget');
    expect(await walk('/api/tickets?q=zyxomatic', 20)).toHaveLength(4);
    await insertTagged(2100, [], 'another zyxomatic gadget');
    const all = await newestFirst(sql`${tickets.description} like '%zyxomatic%'`);
    expect(all.length).toBe(2104);
    expect(await walk('/api/tickets?q=zyxomatic', 200)).toEqual(all);
  });
});
