import { eq, inArray, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ticketEvents, tickets, webhookDeliveries } from '../../src/db/schema.js';
import type { TicketEventView } from '../../src/events/event-schemas.js';
import { declaredJobs } from '../../src/jobs/catalog.js';
import { sweepSlaJob } from '../../src/jobs/sweep-sla-job.js';
import type { TicketView } from '../../src/tickets/ticket-schemas.js';
import { renderPayload } from '../../src/webhooks/webhook-payload.js';
import { webhookRepository } from '../../src/webhooks/webhook-repository.js';
import { type Ok, TestContext, type TestUser } from '../helpers/context.js';

let ctx: TestContext;
let admin: TestUser;
let operator: TestUser;
let customer: TestUser;

beforeAll(async () => {
  ctx = await TestContext.create();
  admin = await ctx.newUser('admin');
  operator = await ctx.newUser('operator');
  customer = await ctx.newUser('customer');
  const res = await ctx.request({
    method: 'POST',
    url: '/api/sla-policies',
    payload: { name: 'Any', priority: null, first_response_minutes: 60, resolution_minutes: 600, business_hours: null },
    headers: admin.auth,
  });
  expect(res.status).toBe(201);
});
afterAll(async () => ctx.close());

const sweep = () => ctx.app.services.slaSweeper.sweep();
const openTicket = async () => {
  const res = await ctx.request<Ok<TicketView>>({
    method: 'POST',
    url: '/api/tickets',
    payload: { subject: 'Printer', description: 'On fire' },
    headers: customer.auth,
  });
  expect(res.status).toBe(201);
  return res.body.data.id;
};
/** Moves a due time into the past, as if the minutes had passed. */
const overdue = (ids: number[], column: 'first_response' | 'resolution') =>
  ctx.db
    .update(tickets)
    .set(
      column === 'first_response'
        ? { slaFirstResponseDueAt: sql`now() - interval '1 second'` }
        : { slaResolutionDueAt: sql`now() - interval '1 second'` },
    )
    .where(inArray(tickets.id, ids));
const breachEvents = (id: number) =>
  ctx.db
    .select({ changes: ticketEvents.changes, actorId: ticketEvents.actorId })
    .from(ticketEvents)
    .where(sql`${ticketEvents.ticketId} = ${id} and ${ticketEvents.type} = 'sla.breached'`)
    .orderBy(ticketEvents.id);
const read = async (id: number, who: TestUser) =>
  (await ctx.request<Ok<TicketView>>({ method: 'GET', url: `/api/tickets/${id}`, headers: who.auth })).body.data;
const history = async (id: number, who: TestUser) =>
  (
    await ctx.request<{ data: TicketEventView[] }>({
      method: 'GET',
      url: `/api/tickets/${id}/events`,
      headers: who.auth,
    })
  ).body.data;

describe('the SLA breach sweep', () => {
  it('runs by itself often enough to notice a breach within a minute', () => {
    expect(declaredJobs).toContain(sweepSlaJob);
    expect(sweepSlaJob.everyMs).toBeLessThanOrEqual(30_000);
  });

  it('notices a breach once, even with two sweeps at the same time, and records it as an event', async () => {
    const id = await openTicket();
    expect(await sweep()).toBe(0);
    await overdue([id], 'first_response');
    const [a, b] = await Promise.all([sweep(), sweep()]);
    expect((a ?? 0) + (b ?? 0)).toBe(1);
    expect(await sweep()).toBe(0);
    expect(await breachEvents(id)).toEqual([
      { changes: { breached: { from: [], to: ['first_response'] } }, actorId: null },
    ]);
    expect((await read(id, operator)).sla?.breached).toEqual(['first_response']);

    await overdue([id], 'resolution');
    await Promise.all([sweep(), sweep(), sweep()]);
    expect((await breachEvents(id)).map((e) => e.changes)).toEqual([
      { breached: { from: [], to: ['first_response'] } },
      { breached: { from: ['first_response'], to: ['first_response', 'resolution'] } },
    ]);
    const staffHistory = await history(id, operator);
    expect(staffHistory.filter((e) => e.type === 'sla.breached')).toHaveLength(2);
    expect(staffHistory.find((e) => e.type === 'sla.breached')?.actor).toBeNull();
  });

  it('sends the breach to webhooks subscribed to sla.breached, with the ticket as staff see it', async () => {
    const hook = await webhookRepository.insert(ctx.db, {
      url: 'https://hooks.example.com/sla',
      description: '',
      events: ['sla.breached'],
      secret: `whsec_${Buffer.alloc(32, 3).toString('base64')}`,
    });
    const id = await openTicket();
    await overdue([id], 'first_response');
    expect(await sweep()).toBe(1);
    const deliveries = await ctx.db
      .select({ eventId: webhookDeliveries.eventId, eventType: webhookDeliveries.eventType })
      .from(webhookDeliveries)
      .where(eq(webhookDeliveries.webhookId, hook.id));
    expect(deliveries.map((d) => d.eventType)).toEqual(['sla.breached']);
    const body = await renderPayload(ctx.db, 'support@example.com', deliveries[0]?.eventId ?? 0);
    const payload = JSON.parse(body ?? '{}') as {
      type: string;
      data: { ticket_id: number; event: TicketEventView; ticket: TicketView };
    };
    expect(payload.type).toBe('sla.breached');
    expect(payload.data.ticket_id).toBe(id);
    expect(payload.data.event.changes).toEqual({ breached: { from: [], to: ['first_response'] } });
    expect(payload.data.ticket.sla?.breached).toEqual(['first_response']);
    await webhookRepository.delete(ctx.db, hook.id);
  });

  it('keeps breaches from customers: no sla, no sla.breached in their history', async () => {
    const id = await openTicket();
    await overdue([id], 'first_response');
    expect(await sweep()).toBe(1);
    expect((await read(id, customer)).sla).toBeNull();
    const theirs = await history(id, customer);
    expect(theirs.map((e) => e.type)).not.toContain('sla.breached');
    expect(theirs.map((e) => e.type)).toContain('ticket.created');
  });

  it('notices many breaches with several sweeps racing, each exactly once', async () => {
    const ids: number[] = [];
    for (let i = 0; i < 12; i++) ids.push(await openTicket());
    await overdue(ids, 'first_response');
    const counts = await Promise.all([sweep(), sweep(), sweep(), sweep()]);
    expect(counts.reduce((sum, n) => sum + n, 0)).toBe(12);
    for (const id of ids) expect(await breachEvents(id)).toHaveLength(1);
  });

  it('leaves answered and closed tickets alone', async () => {
    const answered = await openTicket();
    const answer = await ctx.request({
      method: 'POST',
      url: `/api/tickets/${answered}/messages`,
      payload: { text: 'On it' },
      headers: operator.auth,
    });
    expect(answer.status).toBe(201);
    const closed = await openTicket();
    await ctx.request({
      method: 'PATCH',
      url: `/api/tickets/${closed}`,
      payload: { status: 'closed' },
      headers: operator.auth,
    });
    await overdue([answered, closed], 'first_response');
    await overdue([closed], 'resolution');
    expect(await sweep()).toBe(0);
    expect(await breachEvents(answered)).toEqual([]);
    expect(await breachEvents(closed)).toEqual([]);
  });

  it('forgets a resolution breach when the ticket is reopened (a new clock), and can notice it again', async () => {
    const id = await openTicket();
    await overdue([id], 'resolution');
    expect(await sweep()).toBe(1);
    await ctx.request({
      method: 'PATCH',
      url: `/api/tickets/${id}`,
      payload: { status: 'closed' },
      headers: operator.auth,
    });
    const reopened = await ctx.request<Ok<TicketView>>({
      method: 'PATCH',
      url: `/api/tickets/${id}`,
      payload: { status: 'open' },
      headers: operator.auth,
    });
    expect(reopened.body.data.sla?.breached).toEqual([]);
    await overdue([id], 'resolution');
    expect(await sweep()).toBe(1);
    const [row] = await ctx.db.select({ v: tickets.slaResolutionBreachedAt }).from(tickets).where(eq(tickets.id, id));
    expect(row?.v).not.toBeNull();
    expect((await breachEvents(id)).map((e) => e.changes)).toEqual([
      { breached: { from: [], to: ['resolution'] } },
      { breached: { from: [], to: ['resolution'] } },
    ]);
  });
});
