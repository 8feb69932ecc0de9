import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tickets } from '../../src/db/schema.js';
import type { TicketEventView } from '../../src/events/event-schemas.js';
import type { TicketView } from '../../src/tickets/ticket-schemas.js';
import { type Ok, TestContext, type TestUser } from '../helpers/context.js';
import { waitUntil } from '../helpers/wait.js';

/**
 * The embedded set-up (`npm start` without Redis): the API process runs the jobs itself, with timers, and so
 * the SLA sweep — nobody calls the sweeper here; the background is started as server.ts starts it.
 */
const SWEEP_SECONDS = 1;
/** What noticing may take past the due time beyond one interval: a tick's own run, a busy machine. */
const NOTICE_SLACK_MS = 4_000;

let ctx: TestContext;
let operator: TestUser;
let customer: TestUser;

beforeAll(async () => {
  ctx = await TestContext.create({ SLA_SWEEP_INTERVAL_SECONDS: String(SWEEP_SECONDS) });
  const admin = await ctx.newUser('admin');
  operator = await ctx.newUser('operator');
  customer = await ctx.newUser('customer');
  const policy = await ctx.request({
    method: 'POST',
    url: '/api/sla-policies',
    payload: { name: 'Any', priority: null, first_response_minutes: 60, resolution_minutes: 600, business_hours: null },
    headers: admin.auth,
  });
  expect(policy.status).toBe(201);
  await ctx.app.services.background.start();
});
afterAll(async () => ctx.close());

const breaches = async (id: number) =>
  (
    await ctx.request<{ data: TicketEventView[] }>({
      method: 'GET',
      url: `/api/tickets/${id}/events`,
      headers: operator.auth,
    })
  ).body.data.filter((event) => event.type === 'sla.breached');

describe('the embedded desk (jobs in the API process)', () => {
  it('notices a breach by itself within one sweep interval of its due time, once', async () => {
    expect(ctx.app.services.background.jobs.kind).toBe('in-process');
    const opened = await ctx.request<Ok<TicketView>>({
      method: 'POST',
      url: '/api/tickets',
      payload: { subject: 'Printer', description: 'On fire' },
      headers: customer.auth,
    });
    expect(opened.status).toBe(201);
    const id = opened.body.data.id;
    // The hour passes: the first response comes due now.
    const [due] = await ctx.db
      .update(tickets)
      .set({ slaFirstResponseDueAt: sql`now()` })
      .where(eq(tickets.id, id))
      .returning({ at: tickets.slaFirstResponseDueAt });
    const dueAt = due?.at?.getTime() ?? 0;

    const [event] = await waitUntil(async () => {
      const found = await breaches(id);
      return found.length > 0 && found;
    }, 15_000);
    expect(new Date(event?.created_at ?? 0).getTime() - dueAt).toBeLessThan(SWEEP_SECONDS * 1000 + NOTICE_SLACK_MS);
    expect(event?.changes).toEqual({ breached: { from: [], to: ['first_response'] } });
    const ticket = await ctx.request<Ok<TicketView>>({
      method: 'GET',
      url: `/api/tickets/${id}`,
      headers: operator.auth,
    });
    expect(ticket.body.data.sla?.breached).toEqual(['first_response']);

    // More ticks: the breach is not noticed again.
    await new Promise((resolve) => setTimeout(resolve, 3 * SWEEP_SECONDS * 1000));
    expect(await breaches(id)).toHaveLength(1);
  });
});
