import { and, asc, eq, type SQL, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TicketStatus, tickets } from '../../src/db/schema.js';
import type { TicketView } from '../../src/tickets/ticket-schemas.js';
import { type Page, type Response as Res, TestContext, type TestUser } from '../helpers/context.js';

/**
 * Keyset pagination on GET /api/tickets: `limit`, an opaque `cursor`, `meta.next_cursor` null on the last
 * page, order (created_at, id). Walking every page yields each row exactly once — also when rows share a
 * created_at, and when tickets are created and moved between page requests.
 */

let ctx: TestContext;
let operator: TestUser;
let alice: TestUser;
let bob: TestUser;
const STATUSES: TicketStatus[] = ['open', 'in_progress', 'closed'];

beforeAll(async () => {
  // Many writes from one account: the hourly write limits are tested on their own (test/api/limits.test.ts).
  ctx = await TestContext.create({ RATE_LIMITS: 'off' });
  operator = await ctx.newUser('operator');
  alice = await ctx.newUser('customer');
  bob = await ctx.newUser('customer');
  for (let i = 0; i < 60; i++) {
    const ticket = await ctx.newTicket(i % 3 === 0 ? bob : alice);
    const status = STATUSES[i % 4 === 1 ? 1 : i % 5 === 2 ? 2 : 0] as TicketStatus;
    if (status !== 'open') await ctx.db.update(tickets).set({ status }).where(eq(tickets.id, ticket.id));
  }
});
afterAll(async () => ctx.close());

type Order = 'asc' | 'desc';
interface WalkOptions {
  /** Runs after each page that has a next one, before asking for it. */
  between?: (page: number) => Promise<unknown>;
  /** Runs at the same time as each page request. */
  alongside?: () => Promise<unknown>;
  /** Pages can only be checked for fullness when nothing changes during the walk. */
  static?: boolean;
}

/** Follows `meta.next_cursor` to the end; returns the pages. */
async function walk(url: string, who: TestUser, limit: number, options: WalkOptions = {}): Promise<TicketView[][]> {
  const pages: TicketView[][] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 500; page++) {
    const separator = url.includes('?') ? '&' : '?';
    const request: Promise<Res<Page<TicketView>>> = ctx.request<Page<TicketView>>({
      method: 'GET',
      url: `${url}${separator}limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`,
      headers: who.auth,
    });
    const [res] = await Promise.all([request, options.alongside?.()]);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.data.length).toBeLessThanOrEqual(limit);
    pages.push(res.body.data);
    cursor = res.body.meta.next_cursor;
    if (cursor === null) return pages;
    // A next cursor is given only when a row follows: the page before it is full.
    if (options.static !== false) expect(res.body.data).toHaveLength(limit);
    await options.between?.(page);
  }
  throw new Error(`${url}: no last page after 500 pages`);
}

/** The ids the database holds, in the list's order: what a walk must return. */
async function expected(order: Order, ...filters: (SQL | undefined)[]): Promise<number[]> {
  const rows = await ctx.db
    .select({ id: tickets.id })
    .from(tickets)
    .where(and(...filters))
    .orderBy(asc(tickets.createdAt), asc(tickets.id));
  const ids = rows.map((row) => row.id);
  return order === 'asc' ? ids : ids.reverse();
}

/** Checks the order from the response alone: (created_at, id), ascending or descending. */
function expectOrdered(items: TicketView[], order: Order): void {
  for (let i = 1; i < items.length; i++) {
    const [a, b] = [items[i - 1] as TicketView, items[i] as TicketView];
    const byTime = Date.parse(b.created_at) - Date.parse(a.created_at);
    const step = byTime !== 0 ? byTime : b.id - a.id;
    expect(order === 'asc' ? step : -step, `${a.id} then ${b.id}`).toBeGreaterThan(0);
  }
}

const ids = (pages: TicketView[][]) => pages.flat().map((t) => t.id);
const sortParam = (order: Order) => `sort_by=created_at_${order}`;

function expectEachOnce(seen: number[], required: number[]): void {
  expect(new Set(seen).size, 'no ticket twice').toBe(seen.length);
  const missing = required.filter((id) => !seen.includes(id));
  expect(missing, 'no ticket skipped').toEqual([]);
}

describe('walking every page', () => {
  it.each(['asc', 'desc'] as const)('returns every ticket once, in order, 7 at a time (%s)', async (order) => {
    const pages = await walk(`/api/tickets?${sortParam(order)}`, operator, 7);
    const want = await expected(order);
    expect(want.length).toBeGreaterThanOrEqual(60);
    expect(ids(pages)).toEqual(want);
    expect(pages).toHaveLength(Math.ceil(want.length / 7));
    expectOrdered(pages.flat(), order);
  });

  it.each(STATUSES.flatMap((status) => (['asc', 'desc'] as const).map((order) => [status, order] as const)))(
    'returns every %s ticket once, in order (%s)',
    async (status, order) => {
      const pages = await walk(`/api/tickets?status=${status}&${sortParam(order)}`, operator, 7);
      const want = await expected(order, eq(tickets.status, status));
      expect(want.length).toBeGreaterThan(7);
      expect(ids(pages)).toEqual(want);
      expect(pages.flat().every((t) => t.status === status)).toBe(true);
      expectOrdered(pages.flat(), order);
    },
  );

  it('ends with next_cursor null on a full last page, without an empty page after it', async () => {
    const total = (await expected('asc')).length;
    const pages = await walk('/api/tickets', operator, total);
    expect(pages).toHaveLength(1);
    const split = await walk('/api/tickets', operator, total - 1);
    expect(split.map((page) => page.length)).toEqual([total - 1, 1]);
  });

  it('pages 50 at a time by default and up to 200 when asked', async () => {
    const total = (await expected('asc')).length;
    const first = await ctx.request<Page<TicketView>>({ method: 'GET', url: '/api/tickets', headers: operator.auth });
    expect(first.body.data).toHaveLength(Math.min(50, total));
    expect(first.body.meta.next_cursor === null).toBe(total <= 50);
    const all = await ctx.request<Page<TicketView>>({
      method: 'GET',
      url: '/api/tickets?limit=200',
      headers: operator.auth,
    });
    expect(all.body.data).toHaveLength(Math.min(200, total));
  });
});

describe("a customer's pages", () => {
  it.each([
    ['', undefined],
    ['status=open&', 'open'],
    ['status=closed&', 'closed'],
  ] as const)('hold only their own tickets, every one of them (%s)', async (filter, status) => {
    for (const customer of [alice, bob]) {
      for (const order of ['asc', 'desc'] as const) {
        const pages = await walk(`/api/tickets?${filter}${sortParam(order)}`, customer, 7);
        expect(pages.flat().every((t) => t.creator.id === customer.user.id)).toBe(true);
        const want = await expected(
          order,
          eq(tickets.creatorId, customer.user.id),
          status ? eq(tickets.status, status) : undefined,
        );
        expect(want.length).toBeGreaterThan(0);
        expect(ids(pages)).toEqual(want);
      }
    }
  });
});

describe('rows with the same created_at', () => {
  it('are split by id, across page boundaries, in both orders', async () => {
    const carol = await ctx.newUser('customer');
    const instant = new Date('2021-03-04T05:06:07.089Z');
    const around = [-1, 0, 0, 1].map((ms) => new Date(instant.getTime() + ms));
    const rows = [...Array.from({ length: 23 }, () => instant), ...around].map((createdAt, i) => ({
      subject: `Same instant ${i}`,
      description: 'd',
      creatorId: carol.user.id,
      createdAt,
      updatedAt: createdAt,
    }));
    await ctx.db.insert(tickets).values(rows);
    // Sub-millisecond input is stored at the column's millisecond precision, so it ties with the rest;
    // a cursor (milliseconds) would skip or repeat rows if microseconds were kept.
    await ctx.db.execute(
      sql`insert into tickets (subject, description, creator_id, created_at, updated_at)
          values ('Microseconds', 'd', ${carol.user.id}, '2021-03-04T05:06:07.089400Z', now())`,
    );
    for (const order of ['asc', 'desc'] as const) {
      for (const limit of [1, 4, 7]) {
        const pages = await walk(`/api/tickets?${sortParam(order)}`, carol, limit);
        const want = await expected(order, eq(tickets.creatorId, carol.user.id));
        expect(want).toHaveLength(28);
        expect(ids(pages)).toEqual(want);
        expectOrdered(pages.flat(), order);
      }
    }
    const staffView = ids(await walk('/api/tickets?sort_by=created_at_asc', operator, 7));
    expectEachOnce(staffView, await expected('asc'));
  });
});

describe('walking while tickets are created and moved', () => {
  it.each(['asc', 'desc'] as const)(
    'returns every ticket that existed at the start exactly once (%s)',
    async (order) => {
      const before = await expected(order);
      const created: number[] = [];
      let moves = 0;
      const between = async (page: number) => {
        const viaApi = await ctx.request<{ data: TicketView }>({
          method: 'POST',
          url: '/api/tickets',
          headers: alice.auth,
          payload: { subject: `During walk ${page}`, description: 'new' },
        });
        expect(viaApi.status).toBe(201);
        created.push(viaApi.body.data.id, (await ctx.newTicket(bob)).id);
        const target = before[(page * 5) % before.length] as number;
        const status = STATUSES[moves++ % 3] as TicketStatus;
        const moved = await ctx.request({
          method: 'PATCH',
          url: `/api/tickets/${target}`,
          headers: operator.auth,
          payload: { status },
        });
        expect(moved.status).toBe(200);
      };
      const alongside = async () => created.push((await ctx.newTicket(alice)).id);
      const pages = await walk(`/api/tickets?${sortParam(order)}`, operator, 7, { between, alongside, static: false });
      const seen = ids(pages);
      expectEachOnce(seen, before);
      expect(seen.every((id) => before.includes(id) || created.includes(id))).toBe(true);
      expectOrdered(pages.flat(), order);
      expect(created.length).toBeGreaterThan(10);
    },
  );

  it('with a status filter, never repeats a ticket and keeps those whose status stayed', async () => {
    const openAtStart = await expected('asc', eq(tickets.status, 'open'));
    const movedAway = new Set<number>();
    const between = async (page: number) => {
      const target = openAtStart[(page * 3 + 1) % openAtStart.length] as number;
      await ctx.request({
        method: 'PATCH',
        url: `/api/tickets/${target}`,
        headers: operator.auth,
        payload: { status: 'closed' },
      });
      movedAway.add(target);
      await ctx.newTicket(alice);
    };
    const pages = await walk('/api/tickets?status=open&sort_by=created_at_asc', operator, 7, {
      between,
      static: false,
    });
    const seen = ids(pages);
    expectEachOnce(
      seen,
      openAtStart.filter((id) => !movedAway.has(id)),
    );
    expect(movedAway.size).toBeGreaterThan(0);
  });

  it("keeps a customer's walk to their own tickets while others write", async () => {
    const own = await expected('desc', eq(tickets.creatorId, bob.user.id));
    const between = async () => {
      await ctx.newTicket(alice);
      await ctx.request({
        method: 'POST',
        url: '/api/tickets',
        headers: operator.auth,
        payload: { subject: 's', description: 'd' },
      });
    };
    const pages = await walk('/api/tickets?sort_by=created_at_desc', bob, 5, { between, static: false });
    expect(pages.flat().every((t) => t.creator.id === bob.user.id)).toBe(true);
    expectEachOnce(ids(pages), own);
  });
});
