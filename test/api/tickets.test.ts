import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TicketView } from '../../src/tickets/ticket-schemas.js';
import { type Ok, type Page, TestContext } from '../helpers/context.js';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await TestContext.create();
});
afterAll(async () => ctx.close());

const patch = (id: number, headers: Record<string, string>, payload: Record<string, unknown>) =>
  ctx.request<Ok<TicketView>>({ method: 'PATCH', url: `/api/tickets/${id}`, headers, payload });

describe('POST /api/tickets', () => {
  it('opens a ticket for the caller', async () => {
    const customer = await ctx.newUser('customer');
    const res = await ctx.request<Ok<TicketView>>({
      method: 'POST',
      url: '/api/tickets',
      headers: customer.auth,
      payload: { subject: '  Printer  ', description: 'It does not print.' },
    });
    expect(res.status).toBe(201);
    expect(res.body.data).toMatchObject({ status: 'open', operator: null, creator: { id: customer.user.id } });
    expect(res.body.data.created_at).toBe(res.body.data.updated_at);
  });

  it('lets an operator open a ticket on behalf of a customer, and refuses an unknown one', async () => {
    const operator = await ctx.newUser('operator');
    const customer = await ctx.newUser('customer');
    const payload = { subject: 'By phone', description: 'Called in', creator_id: customer.user.id };
    const res = await ctx.request<Ok<TicketView>>({
      method: 'POST',
      url: '/api/tickets',
      headers: operator.auth,
      payload,
    });
    expect(res.status).toBe(201);
    expect(res.body.data.creator.id).toBe(customer.user.id);
    const unknown = await ctx.request({
      method: 'POST',
      url: '/api/tickets',
      headers: operator.auth,
      payload: { ...payload, creator_id: 424242 },
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body).toEqual({ detail: 'Пользователь c ID 424242 не найден' });
  });

  it('does not let a customer open a ticket in someone else’s name', async () => {
    const customer = await ctx.newUser('customer');
    const other = await ctx.newUser('customer');
    const res = await ctx.request({
      method: 'POST',
      url: '/api/tickets',
      headers: customer.auth,
      payload: { subject: 'x', description: 'y', creator_id: other.user.id },
    });
    expect(res.status).toBe(403);
  });
});

describe('GET /api/tickets', () => {
  it('filters by status and sorts by creation time', async () => {
    const customer = await ctx.newUser('customer');
    const operator = await ctx.newUser('operator');
    const first = await ctx.newTicket(customer);
    const second = await ctx.newTicket(customer);
    await patch(second.id, operator.auth, { status: 'closed' });
    const closed = await ctx.request<Page<TicketView>>({
      method: 'GET',
      url: '/api/tickets?status=closed',
      headers: customer.auth,
    });
    expect(closed.body.data.map((t) => t.id)).toEqual([second.id]);
    const asc = await ctx.request<Page<TicketView>>({
      method: 'GET',
      url: '/api/tickets?sort_by=created_at_asc',
      headers: customer.auth,
    });
    expect(asc.body.data.map((t) => t.id)).toEqual([first.id, second.id]);
    const byDefault = await ctx.request<Page<TicketView>>({
      method: 'GET',
      url: '/api/tickets',
      headers: customer.auth,
    });
    expect(byDefault.body.data.map((t) => t.id)).toEqual([second.id, first.id]);
  });
});

describe('PATCH /api/tickets/{id}', () => {
  it('assigns an operator and moves the status, changing updated_at', async () => {
    const customer = await ctx.newUser('customer');
    const operator = await ctx.newUser('operator');
    const ticket = await ctx.newTicket(customer);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const res = await patch(ticket.id, operator.auth, { status: 'in_progress', operator_id: operator.user.id });
    expect(res.status).toBe(200);
    expect(res.body.message).toBe('Обращение успешно обновлено');
    expect(res.body.data).toMatchObject({ status: 'in_progress', operator: { id: operator.user.id } });
    expect(Date.parse(res.body.data.updated_at)).toBeGreaterThan(ticket.updatedAt.getTime());
    const unassigned = await patch(ticket.id, operator.auth, { operator_id: null });
    expect(unassigned.body.data.operator).toBeNull();
  });

  it('only assigns active operators or admins', async () => {
    const admin = await ctx.newUser('admin');
    const customer = await ctx.newUser('customer');
    const gone = await ctx.newUser('operator');
    await ctx.request({
      method: 'PATCH',
      url: `/api/users/${gone.user.id}`,
      headers: admin.auth,
      payload: { is_active: false },
    });
    const ticket = await ctx.newTicket(customer);
    for (const id of [customer.user.id, gone.user.id, 999_999]) {
      const res = await patch(ticket.id, admin.auth, { operator_id: id });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ detail: `Оператор с ID ${id} не найден` });
    }
    expect((await patch(ticket.id, admin.auth, { operator_id: admin.user.id })).status).toBe(200);
  });

  it('lets a customer close and reopen their own ticket, nothing more', async () => {
    const customer = await ctx.newUser('customer');
    const operator = await ctx.newUser('operator');
    const ticket = await ctx.newTicket(customer);
    expect((await patch(ticket.id, customer.auth, { status: 'closed' })).body.data.status).toBe('closed');
    expect((await patch(ticket.id, customer.auth, { status: 'open' })).body.data.status).toBe('open');
    expect((await patch(ticket.id, customer.auth, { status: 'in_progress' })).status).toBe(403);
    expect((await patch(ticket.id, customer.auth, { operator_id: operator.user.id })).status).toBe(403);
  });

  it('answers an unknown ticket with the seed’s 400', async () => {
    const operator = await ctx.newUser('operator');
    const res = await patch(777_777, operator.auth, { status: 'closed' });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ detail: 'Тикет с id 777777 не найден' });
  });

  it('applies concurrent updates one after the other', async () => {
    const customer = await ctx.newUser('customer');
    const operator = await ctx.newUser('operator');
    const ticket = await ctx.newTicket(customer);
    const results = await Promise.all([
      patch(ticket.id, operator.auth, { status: 'in_progress' }),
      patch(ticket.id, operator.auth, { operator_id: operator.user.id }),
    ]);
    expect(results.map((r) => r.status)).toEqual([200, 200]);
    const final = await ctx.request<Ok<TicketView>>({
      method: 'GET',
      url: `/api/tickets/${ticket.id}`,
      headers: operator.auth,
    });
    expect(final.body.data).toMatchObject({ status: 'in_progress', operator: { id: operator.user.id } });
  });
});
