import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessageView } from '../../src/messages/message-schemas.js';
import type { TicketView } from '../../src/tickets/ticket-schemas.js';
import { type Ok, type Page, TestContext } from '../helpers/context.js';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await TestContext.create();
});
afterAll(async () => ctx.close());

const post = (ticketId: number, headers: Record<string, string>, payload: Record<string, unknown>) =>
  ctx.request<Ok<MessageView>>({ method: 'POST', url: `/api/tickets/${ticketId}/messages`, headers, payload });
const list = (ticketId: number, headers: Record<string, string>) =>
  ctx.request<Page<MessageView>>({ method: 'GET', url: `/api/tickets/${ticketId}/messages`, headers });
const getTicket = (ticketId: number, headers: Record<string, string>) =>
  ctx.request<Ok<TicketView>>({ method: 'GET', url: `/api/tickets/${ticketId}`, headers });

describe('ticket conversation', () => {
  it('keeps messages oldest first, with their authors', async () => {
    const customer = await ctx.newUser('customer');
    const operator = await ctx.newUser('operator');
    const ticket = await ctx.newTicket(customer);
    const a = await post(ticket.id, customer.auth, { text: 'Hello?' });
    const b = await post(ticket.id, operator.auth, { text: 'On it.' });
    expect(a.status).toBe(201);
    expect(b.body).toMatchObject({ message: 'Сообщение успешно создано', data: { channel: 'api', internal: false } });
    const res = await list(ticket.id, customer.auth);
    expect(res.body.data.map((m) => [m.text, m.author.id])).toEqual([
      ['Hello?', customer.user.id],
      ['On it.', operator.user.id],
    ]);
  });

  it('hides internal notes from the customer and refuses them from customers', async () => {
    const customer = await ctx.newUser('customer');
    const operator = await ctx.newUser('operator');
    const ticket = await ctx.newTicket(customer);
    expect((await post(ticket.id, operator.auth, { text: 'VIP, be nice', internal: true })).status).toBe(201);
    expect((await post(ticket.id, customer.auth, { text: 'psst', internal: true })).status).toBe(403);
    expect((await list(ticket.id, customer.auth)).body.data).toEqual([]);
    expect((await list(ticket.id, operator.auth)).body.data.map((m) => m.internal)).toEqual([true]);
  });

  it('reopens a closed ticket when its customer writes, but not when an operator adds a note', async () => {
    const customer = await ctx.newUser('customer');
    const operator = await ctx.newUser('operator');
    const ticket = await ctx.newTicket(customer);
    await ctx.request({
      method: 'PATCH',
      url: `/api/tickets/${ticket.id}`,
      headers: operator.auth,
      payload: { status: 'closed' },
    });
    await post(ticket.id, operator.auth, { text: 'Closing note', internal: true });
    expect((await getTicket(ticket.id, operator.auth)).body.data.status).toBe('closed');
    await post(ticket.id, customer.auth, { text: 'It broke again' });
    expect((await getTicket(ticket.id, operator.auth)).body.data.status).toBe('open');
  });

  it('marks the ticket as updated when a message arrives', async () => {
    const customer = await ctx.newUser('customer');
    const ticket = await ctx.newTicket(customer);
    await new Promise((resolve) => setTimeout(resolve, 5));
    await post(ticket.id, customer.auth, { text: 'Any news?' });
    const after = await getTicket(ticket.id, customer.auth);
    expect(Date.parse(after.body.data.updated_at)).toBeGreaterThan(ticket.updatedAt.getTime());
  });

  it('answers an unknown ticket with the seed’s texts: 400 on POST, 404 on GET', async () => {
    const operator = await ctx.newUser('operator');
    const created = await post(888_888, operator.auth, { text: 'hello' });
    expect(created.status).toBe(400);
    expect(created.body).toEqual({ detail: 'Тикет с 888888 не найден' });
    const listed = await list(888_888, operator.auth);
    expect(listed.status).toBe(404);
    expect(listed.body).toEqual({ detail: 'Ticket not found' });
  });
});
