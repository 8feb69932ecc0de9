import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessageView } from '../../src/messages/message-schemas.js';
import { ticketRepository } from '../../src/tickets/ticket-repository.js';
import type { TicketView } from '../../src/tickets/ticket-schemas.js';
import { userRepository } from '../../src/users/user-repository.js';
import { type Ok, type Page, TestContext, type TestUser } from '../helpers/context.js';
import { newWorld, type World } from '../helpers/world.js';

/**
 * What each caller sees (lists, internal notes), that a hidden id reads exactly like a missing one, and the
 * ticket rules that depend on who acts. The status matrix itself is in role-matrix.test.ts.
 */

let ctx: TestContext;
beforeAll(async () => {
  ctx = await TestContext.create();
});
afterAll(async () => ctx.close());

const MISSING_ID = 2_000_000_000;

/** Every page of GET /api/tickets for a caller, following `meta.next_cursor`. */
async function allTickets(caller: TestUser): Promise<TicketView[]> {
  const tickets: TicketView[] = [];
  let cursor: string | null = null;
  do {
    const query: string = cursor ? `&cursor=${cursor}` : '';
    const res = await ctx.request<Page<TicketView>>({
      method: 'GET',
      url: `/api/tickets?limit=200${query}`,
      headers: caller.auth,
    });
    expect(res.status).toBe(200);
    tickets.push(...res.body.data);
    cursor = res.body.meta.next_cursor;
  } while (cursor);
  return tickets;
}

describe('visibility', () => {
  it("a customer's ticket list holds only their own tickets; staff lists hold everyone's", async () => {
    const { owner, other, operator, admin, ticket } = await newWorld(ctx);
    const second = await ctx.newTicket(owner);
    const othersTicket = await ctx.newTicket(other);
    const own = await allTickets(owner);
    expect(own.map((t) => t.id).sort((a, b) => a - b)).toEqual([ticket.id, second.id]);
    expect(own.every((t) => t.creator.id === owner.user.id)).toBe(true);
    for (const staff of [operator, admin]) {
      const ids = (await allTickets(staff)).map((t) => t.id);
      expect(ids).toEqual(expect.arrayContaining([ticket.id, second.id, othersTicket.id]));
    }
  });

  it('customers never see internal notes; operators and admins do', async () => {
    const { owner, operator, admin, ticket } = await newWorld(ctx);
    const reply = await ctx.newMessage(ticket, operator, 'We are on it');
    const note = await ctx.newMessage(ticket, operator, 'Customer seems to be on fire too', true);
    const list = async (caller: TestUser) => {
      const res = await ctx.request<Page<MessageView>>({
        method: 'GET',
        url: `/api/tickets/${ticket.id}/messages`,
        headers: caller.auth,
      });
      expect(res.status).toBe(200);
      return res.body.data;
    };
    const seenByOwner = await list(owner);
    expect(seenByOwner.map((m) => m.text)).toEqual(['The printer is on fire', 'We are on it']);
    expect(seenByOwner.some((m) => m.internal || m.id === note.id)).toBe(false);
    for (const staff of [operator, admin]) {
      const seen = await list(staff);
      expect(seen.map((m) => m.id)).toEqual(expect.arrayContaining([reply.id, note.id]));
      expect(seen.find((m) => m.id === note.id)?.internal).toBe(true);
    }
  });

  const HIDDEN = [
    {
      name: 'GET ticket',
      method: 'GET',
      url: (id: number) => `/api/tickets/${id}`,
      status: 404,
      detail: () => 'Ticket not found',
    },
    {
      name: 'GET messages',
      method: 'GET',
      url: (id: number) => `/api/tickets/${id}/messages`,
      status: 404,
      detail: () => 'Ticket not found',
    },
    {
      name: 'PATCH ticket',
      method: 'PATCH',
      url: (id: number) => `/api/tickets/${id}`,
      payload: { status: 'closed' },
      status: 400,
      detail: (id: number) => `Тикет с id ${id} не найден`,
    },
    {
      name: 'POST message',
      method: 'POST',
      url: (id: number) => `/api/tickets/${id}/messages`,
      payload: { text: 'Hi' },
      status: 400,
      detail: (id: number) => `Тикет с ${id} не найден`,
    },
    {
      name: 'GET user',
      user: true,
      method: 'GET',
      url: (id: number) => `/api/users/${id}`,
      status: 404,
      detail: () => 'User not found',
    },
    {
      name: 'PATCH user',
      user: true,
      method: 'PATCH',
      url: (id: number) => `/api/users/${id}`,
      payload: { username: 'taken_over' },
      status: 404,
      detail: () => 'User not found',
    },
  ] as const;

  it.each(HIDDEN)("$name: someone else's id answers byte for byte like a missing id", async (c) => {
    const { owner, other, ticket } = await newWorld(ctx);
    const hiddenId = 'user' in c ? owner.user.id : ticket.id;
    const send = (id: number) =>
      ctx.app.inject({
        method: c.method,
        url: c.url(id),
        headers: other.auth,
        ...('payload' in c ? { payload: c.payload } : {}),
      });
    const hidden = await send(hiddenId);
    const missing = await send(MISSING_ID);
    expect(hidden.statusCode).toBe(c.status);
    expect(hidden.body).toBe(JSON.stringify({ detail: c.detail(hiddenId) }));
    expect(missing.statusCode).toBe(c.status);
    expect(missing.body.replace(String(MISSING_ID), String(hiddenId))).toBe(hidden.body);
    expect(hidden.headers['content-type']).toBe(missing.headers['content-type']);
    // Nothing was changed behind the "not found".
    expect((await ticketRepository.findById(ctx.db, ticket.id))?.status).toBe('open');
    expect((await userRepository.findById(ctx.db, owner.user.id))?.username).toBe(owner.user.username);
  });
});

describe('ticket rules', () => {
  it.each([
    { target: 'an active operator', pick: (w: World) => w.operator.user.id, status: 200 },
    { target: 'an active admin', pick: (w: World) => w.admin.user.id, status: 200 },
    { target: 'a customer', pick: (w: World) => w.other.user.id, status: 400 },
    { target: 'a deactivated operator', pick: (w: World) => w.deactivated.user.id, status: 400 },
    { target: 'a missing user', pick: () => MISSING_ID, status: 400 },
  ])('operator_id naming $target → $status', async ({ pick, status }) => {
    const w = await newWorld(ctx);
    const id = pick(w);
    const res = await ctx.request<Ok<TicketView>>({
      method: 'PATCH',
      url: `/api/tickets/${w.ticket.id}`,
      headers: w.operator.auth,
      payload: { operator_id: id },
    });
    expect(res.status).toBe(status);
    if (status === 400) expect(res.body).toEqual({ detail: `Оператор с ID ${id} не найден` });
    else expect(res.body.data.operator?.id).toBe(id);
  });

  it("a customer's message on their closed ticket reopens it; an operator's does not", async () => {
    const { owner, operator, ticket } = await newWorld(ctx);
    await ticketRepository.update(ctx.db, ticket.id, { status: 'closed' });
    const post = (caller: TestUser) =>
      ctx.request({
        method: 'POST',
        url: `/api/tickets/${ticket.id}/messages`,
        headers: caller.auth,
        payload: { text: 'Again' },
      });
    expect((await post(operator)).status).toBe(201);
    expect((await ticketRepository.findById(ctx.db, ticket.id))?.status).toBe('closed');
    expect((await post(owner)).status).toBe(201);
    expect((await ticketRepository.findById(ctx.db, ticket.id))?.status).toBe('open');
  });
});
