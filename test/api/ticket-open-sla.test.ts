import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ticketEvents, tickets } from '../../src/db/schema.js';
import type { SlaPolicyView } from '../../src/sla/sla-schemas.js';
import type { TicketView } from '../../src/tickets/ticket-schemas.js';
import { type Ok, TestContext, type TestUser } from '../helpers/context.js';

/**
 * Opening a ticket is one statement while no SLA policy covers its priority, and a transaction that also
 * writes the due times when one does (ticket-service.ts, `open`). Both ways must give the same ticket, its
 * one `ticket.created`, and refuse an account that may not act.
 */
let ctx: TestContext;
let admin: TestUser;
let operator: TestUser;
let customer: TestUser;
let highPolicy: SlaPolicyView;

beforeAll(async () => {
  ctx = await TestContext.create();
  admin = await ctx.newUser('admin');
  operator = await ctx.newUser('operator');
  customer = await ctx.newUser('customer');
  // A policy for urgent work only: a customer's normal ticket is not covered.
  const res = await ctx.request<Ok<SlaPolicyView>>({
    method: 'POST',
    url: '/api/sla-policies',
    payload: {
      name: 'High',
      priority: 'high',
      first_response_minutes: 30,
      resolution_minutes: 240,
      business_hours: null,
    },
    headers: admin.auth,
  });
  expect(res.status).toBe(201);
  highPolicy = res.body.data;
});
afterAll(async () => ctx.close());

const open = (who: TestUser, extra: Record<string, unknown> = {}) =>
  ctx.request<Ok<TicketView>>({
    method: 'POST',
    url: '/api/tickets',
    payload: { subject: 'Scanner', description: 'It jams', ...extra },
    headers: who.auth,
  });

const createdEvents = async (id: number) =>
  (await ctx.db.select().from(ticketEvents).where(eq(ticketEvents.ticketId, id))).map((event) => event.type);

describe('opening a ticket under SLA policies', () => {
  it('gives a ticket no policy covers no SLA, and a covered one its due times, each with one ticket.created', async () => {
    const normal = await open(customer);
    expect(normal.status).toBe(201);
    const [normalRow] = await ctx.db.select().from(tickets).where(eq(tickets.id, normal.body.data.id));
    expect(normalRow).toMatchObject({ priority: 'normal', slaPolicyId: null, slaFirstResponseDueAt: null });
    expect(await createdEvents(normal.body.data.id)).toEqual(['ticket.created']);

    const high = await open(operator, { priority: 'high' });
    expect(high.status).toBe(201);
    const created = Date.parse(high.body.data.created_at);
    expect(high.body.data.sla).toMatchObject({ policy_id: highPolicy.id, breached: [], first_responded_at: null });
    expect(Date.parse(high.body.data.sla?.first_response_due_at ?? '')).toBe(created + 30 * 60_000);
    expect(Date.parse(high.body.data.sla?.resolution_due_at ?? '')).toBe(created + 240 * 60_000);
    expect(await createdEvents(high.body.data.id)).toEqual(['ticket.created']);
  });

  it('refuses a deactivated account with 401 and writes nothing, covered by a policy or not', async () => {
    const leaving = await ctx.newUser('operator');
    const before = await ctx.db.$count(tickets);
    await ctx.request({
      method: 'PATCH',
      url: `/api/users/${leaving.user.id}`,
      headers: admin.auth,
      payload: { is_active: false },
    });
    for (const priority of ['normal', 'high']) {
      const res = await open(leaving, { priority });
      expect(res.status, priority).toBe(401);
      expect(res.body).toEqual({ detail: 'Could not validate credentials' });
    }
    expect(await ctx.db.$count(tickets)).toBe(before);
  });
});
