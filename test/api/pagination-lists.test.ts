import { and, asc, eq, type SQL } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messages, type TicketRow, type UserRole, users } from '../../src/db/schema.js';
import type { MessageView } from '../../src/messages/message-schemas.js';
import { STAFF_EMAIL_STAND_IN } from '../../src/runtime/services.js';
import type { UserView } from '../../src/users/user-schemas.js';
import { type Page, type Response as Res, TestContext, type TestUser } from '../helpers/context.js';

/**
 * The other keyset-paginated lists, oldest first: GET /api/users (staff) and GET /api/tickets/{id}/messages,
 * where a customer's pages skip internal notes in the query itself, so their pages stay full.
 */

let ctx: TestContext;
let operator: TestUser;
let customer: TestUser;
let ticket: TicketRow;
const SAME_INSTANT = new Date('2022-05-06T07:08:09.010Z');

beforeAll(async () => {
  // Many writes from one account: the hourly write limits are tested on their own (test/api/limits.test.ts).
  ctx = await TestContext.create({ RATE_LIMITS: 'off' });
  operator = await ctx.newUser('operator');
  customer = await ctx.newUser('customer');
  for (let i = 0; i < 18; i++) await ctx.newUser((['customer', 'operator', 'admin'] as const)[i % 3]);
  await ctx.db.insert(users).values(
    Array.from({ length: 9 }, (_, i) => ({
      email: `same${i}@example.com`,
      username: `same_instant_${i}`,
      usernameNormalized: `same_instant_${i}`,
      role: i % 2 === 0 ? ('customer' as const) : ('operator' as const),
      createdAt: SAME_INSTANT,
      updatedAt: SAME_INSTANT,
    })),
  );

  ticket = await ctx.newTicket(customer);
  for (let i = 0; i < 30; i++) {
    if (i % 3 === 2) await ctx.newMessage(ticket, operator, `Internal note ${i}`, true);
    else await ctx.newMessage(ticket, i % 2 === 0 ? customer : operator, `Message ${i}`);
  }
  await ctx.db.insert(messages).values(
    Array.from({ length: 8 }, (_, i) => ({
      ticketId: ticket.id,
      authorId: i % 2 === 0 ? customer.user.id : operator.user.id,
      text: `Same instant ${i}`,
      internal: i % 4 === 3,
      createdAt: SAME_INSTANT,
    })),
  );
});
afterAll(async () => ctx.close());

interface Row {
  id: number;
  created_at: string;
}

async function walk<T extends Row>(url: string, who: TestUser, limit: number, between?: () => Promise<unknown>) {
  const pages: T[][] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 500; page++) {
    const separator = url.includes('?') ? '&' : '?';
    const res: Res<Page<T>> = await ctx.request<Page<T>>({
      method: 'GET',
      url: `${url}${separator}limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`,
      headers: who.auth,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    pages.push(res.body.data);
    cursor = res.body.meta.next_cursor;
    if (cursor === null) return pages;
    expect(res.body.data, 'a page with a next cursor is full').toHaveLength(limit);
    await between?.();
  }
  throw new Error(`${url}: no last page after 500 pages`);
}

/** Oldest first: (created_at, id) strictly increasing, from the response alone. */
function expectOldestFirst(items: Row[]): void {
  for (let i = 1; i < items.length; i++) {
    const [a, b] = [items[i - 1] as Row, items[i] as Row];
    const step = Date.parse(b.created_at) - Date.parse(a.created_at) || b.id - a.id;
    expect(step, `${a.id} then ${b.id}`).toBeGreaterThan(0);
  }
}

async function userIds(role?: UserRole): Promise<number[]> {
  const rows = await ctx.db
    .select({ id: users.id })
    .from(users)
    .where(role ? eq(users.role, role) : undefined)
    .orderBy(asc(users.createdAt), asc(users.id));
  return rows.map((row) => row.id);
}

async function messageIds(...filters: (SQL | undefined)[]): Promise<number[]> {
  const rows = await ctx.db
    .select({ id: messages.id })
    .from(messages)
    .where(and(eq(messages.ticketId, ticket.id), ...filters))
    .orderBy(asc(messages.createdAt), asc(messages.id));
  return rows.map((row) => row.id);
}

describe('GET /api/users', () => {
  it('walks every user once, oldest first, 7 at a time, through a run of equal created_at', async () => {
    const pages = await walk<UserView>('/api/users', operator, 7);
    const want = await userIds();
    expect(want.length).toBeGreaterThanOrEqual(29);
    expect(pages.flat().map((u) => u.id)).toEqual(want);
    expectOldestFirst(pages.flat());
  });

  it.each(['customer', 'operator', 'admin'] as const)('walks every %s once with the role filter', async (role) => {
    const pages = await walk<UserView>(`/api/users?role=${role}`, operator, 4);
    expect(pages.flat().every((u) => u.role === role)).toBe(true);
    expect(pages.flat().map((u) => u.id)).toEqual(await userIds(role));
  });

  it('is for staff: a customer gets 403 on the first page and with a cursor', async () => {
    const cursorPage = await ctx.request<Page<UserView>>({
      method: 'GET',
      url: '/api/users?limit=2',
      headers: operator.auth,
    });
    expect(cursorPage.body.meta.next_cursor).not.toBeNull();
    for (const url of ['/api/users', `/api/users?cursor=${cursorPage.body.meta.next_cursor}`]) {
      const res = await ctx.request({ method: 'GET', url, headers: customer.auth });
      expect(res.status).toBe(403);
      expect(res.body).toEqual({ detail: 'Not enough permissions' });
    }
  });
});

describe('GET /api/tickets/{id}/messages', () => {
  const url = () => `/api/tickets/${ticket.id}/messages`;

  it('gives staff every message and note once, oldest first, across pages', async () => {
    for (const limit of [1, 4, 7]) {
      const pages = await walk<MessageView>(url(), operator, limit);
      expect(pages.flat().map((m) => m.id)).toEqual(await messageIds());
      expectOldestFirst(pages.flat());
    }
    const all = await messageIds();
    expect(all).toHaveLength(38);
  });

  it('never puts an internal note on a customer page, and still fills every page but the last', async () => {
    const visible = await messageIds(eq(messages.internal, false));
    const internal = await messageIds(eq(messages.internal, true));
    expect(internal.length).toBeGreaterThanOrEqual(10);
    for (const limit of [1, 4, 7]) {
      const pages = await walk<MessageView>(url(), customer, limit);
      for (const page of pages) expect(page.filter((m) => m.internal)).toEqual([]);
      expect(pages.flat().map((m) => m.id)).toEqual(visible);
      expect(pages).toHaveLength(Math.ceil(visible.length / limit));
    }
  });

  it("shows the customer the staff's walk minus the notes, in the same order", async () => {
    const staff = (await walk<MessageView>(url(), operator, 5)).flat();
    const mine = (await walk<MessageView>(url(), customer, 5)).flat();
    // Staff appear to customers with the support address (here the stand-in), never their own.
    const asCustomersSee = (m: MessageView) =>
      m.author.role === 'customer' ? m : { ...m, author: { ...m.author, email: STAFF_EMAIL_STAND_IN } };
    expect(mine).toEqual(staff.filter((m) => !m.internal).map(asCustomersSee));
  });

  it('returns every message that existed at the start once while the conversation goes on', async () => {
    const before = await messageIds(eq(messages.internal, false));
    let turn = 0;
    const between = async () => {
      turn += 1;
      const author = turn % 2 === 0 ? customer : operator;
      const res = await ctx.request({
        method: 'POST',
        url: url(),
        headers: author.auth,
        payload: { text: `Live ${turn}`, internal: author === operator && turn % 3 === 0 },
      });
      expect(res.status).toBe(201);
    };
    const seen = (await walk<MessageView>(url(), customer, 4, between)).flat();
    const seenIds = seen.map((m) => m.id);
    expect(new Set(seenIds).size).toBe(seenIds.length);
    expect(before.filter((id) => !seenIds.includes(id))).toEqual([]);
    expect(seen.filter((m) => m.internal)).toEqual([]);
    expect(turn).toBeGreaterThan(3);
  });

  it("keeps another customer out of the ticket's pages, with or without a cursor", async () => {
    const stranger = await ctx.newUser('customer');
    const page = await ctx.request<Page<MessageView>>({
      method: 'GET',
      url: `${url()}?limit=2`,
      headers: customer.auth,
    });
    expect(page.body.meta.next_cursor).not.toBeNull();
    for (const query of ['', `?cursor=${page.body.meta.next_cursor}`]) {
      const res = await ctx.request({ method: 'GET', url: `${url()}${query}`, headers: stranger.auth });
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ detail: 'Ticket not found' });
    }
  });
});
