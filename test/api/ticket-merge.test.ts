import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attachmentRepository } from '../../src/attachments/attachment-repository.js';
import type { TicketEventView } from '../../src/events/event-schemas.js';
import type { MessageView } from '../../src/messages/message-schemas.js';
import type { TicketView } from '../../src/tickets/ticket-schemas.js';
import { type Ok, type Page, TestContext, type TestUser } from '../helpers/context.js';

let ctx: TestContext;
let operator: TestUser;
let customer: TestUser;
beforeAll(async () => {
  ctx = await TestContext.create();
  operator = await ctx.newUser('operator');
  customer = await ctx.newUser('customer');
});
afterAll(async () => ctx.close());

const merge = (who: TestUser, id: number, payload: Record<string, unknown>) =>
  ctx.request<Ok<TicketView>>({ method: 'POST', url: `/api/tickets/${id}/merge`, headers: who.auth, payload });
const get = (who: TestUser, id: number) =>
  ctx.request<Ok<TicketView>>({ method: 'GET', url: `/api/tickets/${id}`, headers: who.auth });
const messagesOf = (who: TestUser, id: number) =>
  ctx.request<Page<MessageView>>({ method: 'GET', url: `/api/tickets/${id}/messages?limit=200`, headers: who.auth });
const eventsOf = (who: TestUser, id: number) =>
  ctx.request<Page<TicketEventView>>({ method: 'GET', url: `/api/tickets/${id}/events?limit=200`, headers: who.auth });
const bulk = (who: TestUser, payload: Record<string, unknown>) =>
  ctx.request<Ok<{ updated: number[]; failed: { id: number; detail: string }[] }>>({
    method: 'PATCH',
    url: '/api/tickets',
    headers: who.auth,
    payload,
  });

describe('POST /api/tickets/{id}/merge', () => {
  it('moves the conversation in time order, closes the duplicate and records it on both', async () => {
    const kept = await ctx.newTicket(customer, { subject: 'Printer', description: 'Broken' });
    await ctx.newMessage(kept, customer, 'kept 1');
    const duplicate = await ctx.newTicket(customer, { subject: 'Printer again', description: 'Still broken' });
    await ctx.newMessage(duplicate, customer, 'dup 1');
    await ctx.newMessage(duplicate, operator, 'dup note', true);
    await attachmentRepository.insertAll(ctx.db, duplicate.id, null, [
      { filename: 'photo.txt', contentType: 'text/plain', size: 5, content: Buffer.from('smoke') },
    ]);
    await ctx.newMessage(kept, operator, 'kept 2');

    const res = await merge(operator, duplicate.id, { into_ticket_id: kept.id });
    expect(res.status).toBe(200);
    expect(res.body.data.id).toBe(kept.id);
    expect(res.headers.etag).toBeDefined();

    const staffView = await messagesOf(operator, kept.id);
    // The duplicate's description joins as a message of its own time: after `kept 1`, which came first.
    expect(staffView.body.data.map((m) => m.text)).toEqual([
      'kept 1',
      `Merged from ticket #${duplicate.id} "Printer again":\n\nStill broken`,
      'dup 1',
      'dup note',
      'kept 2',
    ]);
    const description = staffView.body.data[1] as MessageView;
    expect(description.attachments.map((a) => a.filename)).toEqual(['photo.txt']);
    const customerView = await messagesOf(customer, kept.id);
    expect(customerView.body.data.map((m) => m.text)).not.toContain('dup note');
    expect((await messagesOf(operator, duplicate.id)).body.data).toEqual([]);

    const old = await get(customer, duplicate.id);
    expect(old.body.data).toMatchObject({ status: 'closed', merged_into_id: kept.id });
    const oldEvents = (await eventsOf(operator, duplicate.id)).body.data;
    expect(oldEvents.at(-1)).toMatchObject({
      type: 'ticket.merged',
      actor: { id: operator.user.id },
      changes: { merged_into_id: { from: null, to: kept.id }, status: { from: 'open', to: 'closed' } },
    });
    const keptEvents = (await eventsOf(operator, kept.id)).body.data;
    expect(keptEvents.at(-1)).toMatchObject({
      type: 'ticket.merged',
      changes: { merged_ticket_id: { from: null, to: duplicate.id } },
    });
  });

  it('refuses a merge into itself, into or of a merged ticket, and across creators without force', async () => {
    const a = await ctx.newTicket(customer);
    const b = await ctx.newTicket(customer);
    const c = await ctx.newTicket(customer);
    const self = await merge(operator, a.id, { into_ticket_id: a.id });
    expect(self.status).toBe(422);
    expect(self.body).toEqual({
      detail: [
        { loc: ['body', 'into_ticket_id'], msg: 'A ticket cannot be merged into itself', type: 'merge_refused' },
      ],
    });
    expect((await merge(operator, a.id, { into_ticket_id: b.id })).status).toBe(200);
    const intoMerged = await merge(operator, c.id, { into_ticket_id: a.id });
    expect(intoMerged.status).toBe(422);
    expect(JSON.stringify(intoMerged.body)).toContain(`merge into that one`);
    expect((await merge(operator, a.id, { into_ticket_id: c.id })).status).toBe(422);
    expect((await merge(operator, c.id, { into_ticket_id: 1_999_999_999 })).status).toBe(422);
    expect((await merge(operator, 1_999_999_999, { into_ticket_id: c.id })).status).toBe(404);

    const other = await ctx.newUser('customer');
    const theirs = await ctx.newTicket(other);
    const across = await merge(operator, theirs.id, { into_ticket_id: c.id });
    expect(across.status).toBe(422);
    expect(JSON.stringify(across.body)).toContain('different creators');
    expect((await get(operator, theirs.id)).body.data.merged_into_id).toBeNull();
    expect((await merge(operator, theirs.id, { into_ticket_id: c.id, force: true })).status).toBe(200);
  });

  it('is for staff only', async () => {
    const a = await ctx.newTicket(customer);
    const b = await ctx.newTicket(customer);
    const res = await merge(customer, a.id, { into_ticket_id: b.id });
    expect(res.status).toBe(403);
    expect((await get(customer, a.id)).body.data.merged_into_id).toBeNull();
  });
});

describe('PATCH /api/tickets (bulk)', () => {
  it('applies the changes to every ticket it can, with an event each, and lists the rest', async () => {
    const a = await ctx.newTicket(customer);
    const b = await ctx.newTicket(customer);
    const res = await bulk(operator, {
      ids: [a.id, 1_999_999_998, b.id],
      changes: { status: 'in_progress', priority: 'high', add_tags: ['Outage'], operator_id: operator.user.id },
    });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({
      updated: [a.id, b.id],
      failed: [{ id: 1_999_999_998, detail: 'Ticket not found' }],
    });
    for (const id of [a.id, b.id]) {
      const ticket = (await get(operator, id)).body.data;
      expect(ticket).toMatchObject({ status: 'in_progress', priority: 'high', tags: ['outage'] });
      expect(ticket.operator?.id).toBe(operator.user.id);
      const history = (await eventsOf(operator, id)).body.data;
      expect(history.map((e) => e.type)).toEqual(['ticket.created', 'ticket.updated']);
    }
  });

  it('fails a ticket whose tags would overflow, and still applies to the others', async () => {
    const full = await ctx.newTicket(customer);
    const twenty = Array.from({ length: 20 }, (_, i) => `t${i}`);
    await ctx.request({
      method: 'PATCH',
      url: `/api/tickets/${full.id}`,
      headers: operator.auth,
      payload: { tags: twenty },
    });
    const roomy = await ctx.newTicket(customer);
    const res = await bulk(operator, { ids: [full.id, roomy.id], changes: { add_tags: ['extra'] } });
    expect(res.body.data).toEqual({
      updated: [roomy.id],
      failed: [{ id: full.id, detail: 'A ticket has at most 20 tags' }],
    });
  });

  it('refuses customers, unknown operators and groups, and bad bodies', async () => {
    const a = await ctx.newTicket(customer);
    expect((await bulk(customer, { ids: [a.id], changes: { status: 'closed' } })).status).toBe(403);
    expect((await bulk(operator, { ids: [a.id], changes: { operator_id: 1_999_999_999 } })).status).toBe(400);
    expect((await bulk(operator, { ids: [a.id], changes: { group_id: 1_999_999_999 } })).status).toBe(422);
    expect((await bulk(operator, { ids: [], changes: { status: 'closed' } })).status).toBe(422);
    expect((await bulk(operator, { ids: [a.id, a.id], changes: { status: 'closed' } })).status).toBe(422);
    expect((await bulk(operator, { ids: [a.id], changes: {} })).status).toBe(422);
    const many = Array.from({ length: 201 }, (_, i) => i + 1);
    expect((await bulk(operator, { ids: many, changes: { status: 'closed' } })).status).toBe(422);
    expect((await get(operator, a.id)).body.data.status).toBe('open');
  });
});
