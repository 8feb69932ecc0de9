import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tickets } from '../../src/db/schema.js';
import { addBusinessMinutes } from '../../src/sla/business-hours.js';
import type { SlaPolicyView, TicketSlaView } from '../../src/sla/sla-schemas.js';
import type { TicketView } from '../../src/tickets/ticket-schemas.js';
import { type Ok, TestContext, type TestUser } from '../helpers/context.js';

let ctx: TestContext;
let admin: TestUser;
let operator: TestUser;
let customer: TestUser;
let anyPolicy: SlaPolicyView;
let highPolicy: SlaPolicyView;
const MINUTE = 60_000;

const newPolicy = async (body: Record<string, unknown>) =>
  (
    await ctx.request<Ok<SlaPolicyView>>({
      method: 'POST',
      url: '/api/sla-policies',
      payload: { business_hours: null, ...body },
      headers: admin.auth,
    })
  ).body.data;

beforeAll(async () => {
  ctx = await TestContext.create();
  admin = await ctx.newUser('admin');
  operator = await ctx.newUser('operator');
  customer = await ctx.newUser('customer');
  anyPolicy = await newPolicy({ name: 'Any', priority: null, first_response_minutes: 120, resolution_minutes: 1440 });
  highPolicy = await newPolicy({ name: 'High', priority: 'high', first_response_minutes: 60, resolution_minutes: 480 });
});
afterAll(async () => ctx.close());

const at = (iso: string) => new Date(iso).getTime();
const openTicket = async (who: TestUser, extra: Record<string, unknown> = {}) => {
  const res = await ctx.request<Ok<TicketView>>({
    method: 'POST',
    url: '/api/tickets',
    payload: { subject: 'Printer', description: 'It is on fire', ...extra },
    headers: who.auth,
  });
  expect(res.status).toBe(201);
  return res.body.data;
};
const read = async (id: number, who: TestUser = operator) =>
  (await ctx.request<Ok<TicketView>>({ method: 'GET', url: `/api/tickets/${id}`, headers: who.auth })).body.data;
const patch = async (id: number, payload: Record<string, unknown>, who: TestUser = operator) => {
  const res = await ctx.request<Ok<TicketView>>({
    method: 'PATCH',
    url: `/api/tickets/${id}`,
    payload,
    headers: who.auth,
  });
  expect(res.status).toBe(200);
  return res.body.data;
};
const answer = async (id: number, who: TestUser, text: string, internal = false) => {
  const res = await ctx.request({
    method: 'POST',
    url: `/api/tickets/${id}/messages`,
    payload: { text, internal },
    headers: who.auth,
  });
  expect(res.status).toBe(201);
};
/** A mail as the mailbox watcher hands it over (the same ingest, without a mail server). */
const ingest = (from: string, subject: string, text: string) => {
  const raw = [
    `From: ${from}`,
    'To: support@example.com',
    `Subject: ${subject}`,
    `Message-ID: <${ctx.unique('sla')}@example.com>`,
    'Date: Sun, 06 Dec 2026 10:00:00 +0000',
    'Content-Type: text/plain; charset=utf-8',
    '',
    text,
    '',
  ].join('\r\n');
  return ctx.app.services.ingest.ingest(Buffer.from(raw), { mailbox: 'INBOX', uidValidity: null, uid: null });
};
const slaOf = (ticket: TicketView): TicketSlaView => {
  expect(ticket.sla).not.toBeNull();
  return ticket.sla as TicketSlaView;
};

describe('a ticket under an SLA policy', () => {
  it('gets due times on creation from its priority policy, else the any-priority one; staff only', async () => {
    const mine = await openTicket(customer);
    expect(mine.sla).toBeNull();
    expect((await read(mine.id, customer)).sla).toBeNull();
    const sla = slaOf(await read(mine.id));
    expect(sla.policy_id).toBe(anyPolicy.id);
    expect(at(sla.first_response_due_at)).toBe(at(mine.created_at) + 120 * MINUTE);
    expect(at(sla.resolution_due_at)).toBe(at(mine.created_at) + 1440 * MINUTE);
    expect(sla).toMatchObject({ first_responded_at: null, breached: [] });

    const high = await openTicket(operator, { priority: 'high' });
    expect(slaOf(high).policy_id).toBe(highPolicy.id);
    expect(at(slaOf(high).first_response_due_at)).toBe(at(high.created_at) + 60 * MINUTE);

    const forCustomer = await openTicket(operator, { creator_id: customer.user.id, priority: 'high' });
    expect(slaOf(forCustomer).policy_id).toBe(highPolicy.id);
    const listed = await ctx.request<{ data: TicketView[] }>({
      method: 'GET',
      url: '/api/tickets',
      headers: operator.auth,
    });
    expect(listed.body.data.find((t) => t.id === high.id)?.sla).toEqual(slaOf(high));
    const own = await ctx.request<{ data: TicketView[] }>({
      method: 'GET',
      url: '/api/tickets',
      headers: customer.auth,
    });
    expect(own.body.data.every((t) => t.sla === null)).toBe(true);
  });

  it('recomputes on a change of priority, from the ticket creation', async () => {
    const ticket = await openTicket(customer);
    const changed = await patch(ticket.id, { priority: 'high' });
    expect(slaOf(changed).policy_id).toBe(highPolicy.id);
    expect(at(slaOf(changed).first_response_due_at)).toBe(at(ticket.created_at) + 60 * MINUTE);
    expect(at(slaOf(changed).resolution_due_at)).toBe(at(ticket.created_at) + 480 * MINUTE);
    const back = await patch(ticket.id, { priority: 'low' });
    expect(slaOf(back).policy_id).toBe(anyPolicy.id);
  });

  it('counts the first public staff answer as the first response, not a note or the customer', async () => {
    const ticket = await openTicket(customer);
    await answer(ticket.id, customer, 'Anyone?');
    await answer(ticket.id, operator, 'Looking (note)', true);
    expect(slaOf(await read(ticket.id)).first_responded_at).toBeNull();
    await answer(ticket.id, operator, 'We are on it');
    const first = slaOf(await read(ticket.id)).first_responded_at;
    expect(first).not.toBeNull();
    await answer(ticket.id, admin, 'Still on it');
    expect(slaOf(await read(ticket.id)).first_responded_at).toBe(first);
  });

  it('restarts the resolution clock when the ticket is reopened, by PATCH or by the customer writing', async () => {
    const ticket = await openTicket(customer);
    // Created an hour ago, so a restarted clock shows.
    await ctx.db
      .update(tickets)
      .set({ createdAt: sql`now() - interval '1 hour'`, slaResolutionStartedAt: null })
      .where(eq(tickets.id, ticket.id));
    await patch(ticket.id, { priority: 'normal', status: 'closed' });
    const before = Date.now();
    const reopened = slaOf(await patch(ticket.id, { status: 'open' }));
    expect(at(reopened.resolution_due_at)).toBeGreaterThanOrEqual(before - 1000 + 1440 * MINUTE);

    await ctx.db
      .update(tickets)
      .set({ slaResolutionStartedAt: sql`now() - interval '1 hour'`, status: 'closed' })
      .where(eq(tickets.id, ticket.id));
    const beforeMail = Date.now();
    await answer(ticket.id, customer, 'It is back');
    const byMessage = await read(ticket.id);
    expect(byMessage.status).toBe('open');
    expect(at(slaOf(byMessage).resolution_due_at)).toBeGreaterThanOrEqual(beforeMail - 1000 + 1440 * MINUTE);
  });

  it('counts only business hours when the policy has them', async () => {
    const hours = { timezone: 'Europe/Moscow', days: [1, 2, 3, 4, 5], start: '09:00', end: '18:00' };
    const urgent = await newPolicy({
      name: 'Urgent',
      priority: 'urgent',
      first_response_minutes: 30,
      resolution_minutes: 600,
      business_hours: hours,
    });
    const ticket = await openTicket(operator, { priority: 'urgent' });
    const sla = slaOf(ticket);
    expect(sla.policy_id).toBe(urgent.id);
    const created = new Date(ticket.created_at);
    expect(sla.first_response_due_at).toBe(addBusinessMinutes(created, 30, hours).toISOString());
    expect(sla.resolution_due_at).toBe(addBusinessMinutes(created, 600, hours).toISOString());
  });

  it('gives a ticket opened by mail its SLA', async () => {
    const result = await ingest('Mail Customer <mail-sla@example.com>', 'Mail ticket with an SLA', 'Please help');
    expect(result.outcome).toBe('ticket_created');
    const ticket = await read(result.ticketId ?? 0);
    expect(slaOf(ticket).policy_id).toBe(anyPolicy.id);
  });

  it('counts no mail as the first response: the customer writing, or a staff From (dropped: staff answer in the API)', async () => {
    const opened = await ingest('Mail Customer <mail-sla-first@example.com>', 'No answer yet', 'Please help');
    expect(opened.outcome).toBe('ticket_created');
    const id = opened.ticketId ?? 0;
    const again = await ingest('Mail Customer <mail-sla-first@example.com>', `Re: No answer yet [#${id}]`, 'Hello?');
    expect(again).toMatchObject({ outcome: 'reply_added', ticketId: id });
    expect(slaOf(await read(id)).first_responded_at).toBeNull();

    // A mail from an operator's own address is what an impersonator sends: recorded, never posted.
    const byMail = await ingest(`Operator <${operator.user.email}>`, `Re: No answer yet [#${id}]`, 'On it');
    expect(byMail.outcome).toBe('dropped');
    expect(byMail.reason).toMatch(/staff account/);
    expect(slaOf(await read(id)).first_responded_at).toBeNull();
    // So the clock keeps running: past the due time the sweep records the miss.
    await ctx.db
      .update(tickets)
      .set({ slaFirstResponseDueAt: sql`now() - interval '1 second'` })
      .where(eq(tickets.id, id));
    await ctx.app.services.slaSweeper.sweep();
    expect(slaOf(await read(id)).breached).toEqual(['first_response']);

    const other = await ingest('Mail Customer <mail-sla-first@example.com>', 'Answered in the API', 'Please help');
    await answer(other.ticketId ?? 0, operator, 'On it');
    expect(slaOf(await read(other.ticketId ?? 0)).first_responded_at).not.toBeNull();
  });

  it('loses its SLA when its policy is deleted', async () => {
    const low = await newPolicy({
      name: 'Low',
      priority: 'low',
      first_response_minutes: 600,
      resolution_minutes: 6000,
    });
    const ticket = await openTicket(operator, { priority: 'low' });
    expect(slaOf(ticket).policy_id).toBe(low.id);
    await ctx.request({ method: 'DELETE', url: `/api/sla-policies/${low.id}`, headers: admin.auth });
    expect((await read(ticket.id)).sla).toBeNull();
  });
});
