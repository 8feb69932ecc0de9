import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TicketRow } from '../../src/db/schema.js';
import { userRepository } from '../../src/users/user-repository.js';
import { type Page, TestContext, type TestUser } from '../helpers/context.js';

/**
 * The ticket and message routes check the caller's user in the statement that does the work, built for
 * the role the caller had on their last request (src/auth/caller.ts). Each test first uses a token, so
 * that guess exists, then changes the user behind it (as an admin in another process would, straight in
 * the database): the change must show on the very next request, on every one of those routes.
 */
let ctx: TestContext;
let owner: TestUser;
let ticket: TicketRow;

beforeAll(async () => {
  ctx = await TestContext.create();
  owner = await ctx.newUser('customer');
  ticket = await ctx.newTicket(owner);
  await ctx.newMessage(ticket, owner, 'The printer is on fire');
});
afterAll(async () => ctx.close());

/** The routes whose statements check the caller themselves. */
const routes = (ticketId: number): InjectOptions[] => [
  { method: 'GET', url: '/api/tickets' },
  { method: 'POST', url: '/api/tickets', payload: { subject: 'Again', description: 'It broke again' } },
  { method: 'GET', url: `/api/tickets/${ticketId}` },
  { method: 'GET', url: `/api/tickets/${ticketId}/messages` },
  { method: 'POST', url: `/api/tickets/${ticketId}/messages`, payload: { text: 'Still there?' } },
];

/** Calls every route with the user's token, as a client would before anything changes. */
async function useEverywhere(user: TestUser, ticketId: number): Promise<void> {
  for (const route of routes(ticketId)) {
    const res = await ctx.request({ ...route, headers: user.auth });
    expect(res.status, `${route.method} ${route.url}`).toBeLessThan(300);
  }
}

async function messageCount(ticketId: number): Promise<number> {
  const res = await ctx.request<Page<unknown>>({
    method: 'GET',
    url: `/api/tickets/${ticketId}/messages?limit=200`,
    headers: (await ctx.newUser('operator')).auth,
  });
  return res.body.data.length;
}

describe('a token whose user changed since its last request', () => {
  it('stops working at once when the user is deactivated, and writes nothing', async () => {
    const operator = await ctx.newUser('operator');
    await useEverywhere(operator, ticket.id);
    const before = await messageCount(ticket.id);
    await userRepository.update(ctx.db, operator.user.id, { isActive: false });
    for (const route of routes(ticket.id)) {
      const res = await ctx.request({ ...route, headers: operator.auth });
      expect(res.status, `${route.method} ${route.url}`).toBe(401);
      expect(res.body).toEqual({ detail: 'Could not validate credentials' });
    }
    expect(await messageCount(ticket.id)).toBe(before);
  });

  it('stops working at once when the token version moves on (a password change)', async () => {
    const customer = await ctx.newUser('customer');
    const own = await ctx.newTicket(customer);
    await useEverywhere(customer, own.id);
    await userRepository.update(ctx.db, customer.user.id, { tokenVersion: customer.user.tokenVersion + 1 });
    for (const route of routes(own.id)) {
      const res = await ctx.request({ ...route, headers: customer.auth });
      expect(res.status, `${route.method} ${route.url}`).toBe(401);
    }
  });

  it('loses operator powers at once when demoted to customer', async () => {
    const operator = await ctx.newUser('operator');
    await useEverywhere(operator, ticket.id);
    await userRepository.update(ctx.db, operator.user.id, { role: 'customer' });
    const auth = operator.auth;
    const list = await ctx.request<Page<{ creator: { id: number } }>>({
      method: 'GET',
      url: '/api/tickets?limit=200',
      headers: auth,
    });
    expect(list.status).toBe(200);
    // Only the ticket they opened themselves while still an operator (useEverywhere).
    expect(list.body.data.map(({ creator }) => creator.id)).toEqual([operator.user.id]);
    const get = await ctx.request({ method: 'GET', url: `/api/tickets/${ticket.id}`, headers: auth });
    expect(get.status).toBe(404);
    const read = await ctx.request({ method: 'GET', url: `/api/tickets/${ticket.id}/messages`, headers: auth });
    expect(read.status).toBe(404);
    const url = `/api/tickets/${ticket.id}/messages`;
    const note = await ctx.request({ method: 'POST', url, headers: auth, payload: { text: 'x', internal: true } });
    expect(note.status).toBe(403);
    const answer = await ctx.request({ method: 'POST', url, headers: auth, payload: { text: 'x' } });
    expect(answer.status).toBe(400);
  });

  it('gains operator powers at once when promoted', async () => {
    const customer = await ctx.newUser('customer');
    const own = await ctx.newTicket(customer);
    await useEverywhere(customer, own.id);
    await userRepository.update(ctx.db, customer.user.id, { role: 'operator' });
    const auth = customer.auth;
    const list = await ctx.request<Page<{ id: number }>>({
      method: 'GET',
      url: '/api/tickets?limit=200',
      headers: auth,
    });
    expect(list.body.data.map(({ id }) => id)).toContain(ticket.id);
    const get = await ctx.request({ method: 'GET', url: `/api/tickets/${ticket.id}`, headers: auth });
    expect(get.status).toBe(200);
    const url = `/api/tickets/${ticket.id}/messages`;
    const note = await ctx.request({ method: 'POST', url, headers: auth, payload: { text: 'x', internal: true } });
    expect(note.status).toBe(201);
    const read = await ctx.request<Page<{ internal: boolean }>>({
      method: 'GET',
      url: `${url}?limit=200`,
      headers: auth,
    });
    expect(read.body.data.some(({ internal }) => internal)).toBe(true);
  });

  it('answers 401 before complaining about the input of a deactivated user', async () => {
    const operator = await ctx.newUser('operator');
    await useEverywhere(operator, ticket.id);
    await userRepository.update(ctx.db, operator.user.id, { isActive: false });
    const badCursor = await ctx.request({ method: 'GET', url: '/api/tickets?cursor=nonsense', headers: operator.auth });
    expect(badCursor.status).toBe(401);
    const badBody = await ctx.request({
      method: 'POST',
      url: `/api/tickets/${ticket.id}/messages`,
      headers: operator.auth,
      payload: { text: '' },
    });
    expect(badBody.status).toBe(401);
  });

  it('does not replay a stored answer to a user deactivated since', async () => {
    const customer = await ctx.newUser('customer');
    const own = await ctx.newTicket(customer);
    const post = {
      method: 'POST' as const,
      url: `/api/tickets/${own.id}/messages`,
      headers: { ...customer.auth, 'idempotency-key': 'retry-me' },
      payload: { text: 'Once' },
    };
    expect((await ctx.request(post)).status).toBe(201);
    expect((await ctx.request(post)).headers['idempotency-replayed']).toBe('true');
    await userRepository.update(ctx.db, customer.user.id, { isActive: false });
    const retried = await ctx.request(post);
    expect(retried.status).toBe(401);
    expect(retried.headers['idempotency-replayed']).toBeUndefined();
  });
});
