import { inArray, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tickets } from '../../src/db/schema.js';
import type { TicketView } from '../../src/tickets/ticket-schemas.js';
import { type Ok, type Page, TestContext, type TestUser } from '../helpers/context.js';

let ctx: TestContext;
let admin: TestUser;
let operator: TestUser;
let customer: TestUser;
let breached: number;
let soon: number;
let later: number;
let closedSoon: number;
let noSla: number;

const openTicket = async (priority = 'normal') => {
  const res = await ctx.request<Ok<TicketView>>({
    method: 'POST',
    url: '/api/tickets',
    payload: { subject: 'Printer', description: 'On fire', creator_id: customer.user.id, priority },
    headers: operator.auth,
  });
  expect(res.status).toBe(201);
  return res.body.data.id;
};
const dueIn = (ids: number[], minutes: number) =>
  ctx.db
    .update(tickets)
    .set({ slaFirstResponseDueAt: sql`now() + ${`${minutes} minutes`}::interval` })
    .where(inArray(tickets.id, ids));

beforeAll(async () => {
  ctx = await TestContext.create();
  admin = await ctx.newUser('admin');
  operator = await ctx.newUser('operator');
  customer = await ctx.newUser('customer');
  for (const priority of ['normal', 'high']) {
    const res = await ctx.request({
      method: 'POST',
      url: '/api/sla-policies',
      payload: {
        name: priority,
        priority,
        first_response_minutes: 120,
        resolution_minutes: 1440,
        business_hours: null,
      },
      headers: admin.auth,
    });
    expect(res.status).toBe(201);
  }
  breached = await openTicket();
  soon = await openTicket('high');
  later = await openTicket();
  closedSoon = await openTicket();
  noSla = await openTicket('low');
  await dueIn([breached], -1);
  expect(await ctx.app.services.slaSweeper.sweep()).toBe(1);
  await dueIn([soon, closedSoon], 20);
  await ctx.request({
    method: 'PATCH',
    url: `/api/tickets/${closedSoon}`,
    payload: { status: 'closed' },
    headers: operator.auth,
  });
});
afterAll(async () => ctx.close());

const list = (query: string, who: TestUser = operator) =>
  ctx.request<Page<TicketView>>({ method: 'GET', url: `/api/tickets?${query}`, headers: who.auth });
const ids = async (query: string) => {
  const res = await list(query);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.data.map((t) => t.id).sort((a, b) => a - b);
};

describe('GET /api/tickets?sla=', () => {
  it('lists breached tickets', async () => {
    expect(await ids('sla=breached')).toEqual([breached]);
  });

  it('lists open tickets with a target due within N minutes, overdue ones included', async () => {
    expect(await ids('sla=due_within:30')).toEqual([soon]);
    // The fresh ones are due in 120 minutes; the breached one is not "due" any more; closed and SLA-less never.
    expect(await ids('sla=due_within:180')).toEqual([soon, later]);
    expect(await ids('sla=due_within:180')).not.toContain(noSla);
  });

  it('combines with other filters and pages by keyset', async () => {
    expect(await ids('sla=due_within:180&priority=high')).toEqual([soon]);
    expect(await ids('sla=due_within:180&priority=low')).toEqual([]);
    expect(await ids('sla=breached&status=closed')).toEqual([]);
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const res: Awaited<ReturnType<typeof list>> = await list(
        `sla=due_within:180&limit=1${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(res.status).toBe(200);
      seen.push(...res.body.data.map((t) => t.id));
      cursor = res.body.meta.next_cursor;
    } while (cursor);
    expect(seen.sort((a, b) => a - b)).toEqual([soon, later]);
    expect(await ids('sla=due_within:180&sort_by=updated_at_desc')).toEqual([soon, later]);
  });

  it('refuses bad values (422) and customers (403)', async () => {
    for (const value of ['late', 'due_within:0', 'due_within:', 'due_within:abc', 'due_within:9999999', 'BREACHED']) {
      const res = await list(`sla=${encodeURIComponent(value)}`);
      expect(res.status, value).toBe(422);
      expect(Array.isArray((res.body as unknown as { detail: unknown }).detail)).toBe(true);
    }
    const theirs = await list('sla=breached', customer);
    expect(theirs.status).toBe(403);
  });
});
