import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessageView } from '../../src/messages/message-schemas.js';
import type { TicketView } from '../../src/tickets/ticket-schemas.js';
import { type Ok, TestContext } from '../helpers/context.js';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await TestContext.create();
});
afterAll(async () => ctx.close());

const count = async (table: 'tickets' | 'messages') => {
  const rows = await ctx.db.execute<{ n: number }>(
    table === 'tickets' ? 'select count(*)::int as n from tickets' : 'select count(*)::int as n from messages',
  );
  return Number((rows as unknown as { rows: { n: number }[] }).rows[0]?.n);
};

describe('Idempotency-Key', () => {
  it('returns the first response to a retried POST, and writes once', async () => {
    const customer = await ctx.newUser('customer');
    const before = await count('tickets');
    const send = () =>
      ctx.request<Ok<TicketView>>({
        method: 'POST',
        url: '/api/tickets',
        headers: { ...customer.auth, 'idempotency-key': 'key-create-1' },
        payload: { subject: 'Once only', description: 'Please' },
      });
    const first = await send();
    const second = await send();
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.body).toEqual(first.body);
    expect(second.headers['idempotency-replayed']).toBe('true');
    expect(first.headers['idempotency-replayed']).toBeUndefined();
    expect(await count('tickets')).toBe(before + 1);
  });

  it('writes once when the same request is sent many times at once', async () => {
    const customer = await ctx.newUser('customer');
    const ticket = await ctx.newTicket(customer);
    const before = await count('messages');
    const results = await Promise.all(
      Array.from({ length: 6 }, () =>
        ctx.request<Ok<MessageView>>({
          method: 'POST',
          url: `/api/tickets/${ticket.id}/messages`,
          headers: { ...customer.auth, 'idempotency-key': 'burst' },
          payload: { text: 'Sent six times' },
        }),
      ),
    );
    for (const res of results) expect([201, 409]).toContain(res.status);
    const created = results.filter((r) => r.status === 201);
    expect(new Set(created.map((r) => r.body.data.id)).size).toBe(1);
    expect(await count('messages')).toBe(before + 1);
  });

  it('refuses the same key with a different request', async () => {
    const customer = await ctx.newUser('customer');
    const headers = { ...customer.auth, 'idempotency-key': 'reused' };
    await ctx.request({ method: 'POST', url: '/api/tickets', headers, payload: { subject: 'A', description: 'a' } });
    const res = await ctx.request({
      method: 'POST',
      url: '/api/tickets',
      headers,
      payload: { subject: 'B', description: 'b' },
    });
    expect(res.status).toBe(422);
    expect(res.body).toEqual({
      detail: [
        {
          loc: ['header', 'idempotency-key'],
          msg: 'This Idempotency-Key was already used for a different request',
          type: 'idempotency_key_reused',
        },
      ],
    });
  });

  it('keeps keys per user', async () => {
    const a = await ctx.newUser('customer');
    const b = await ctx.newUser('customer');
    const payload = { subject: 'Same key, two users', description: 'x' };
    const first = await ctx.request<Ok<TicketView>>({
      method: 'POST',
      url: '/api/tickets',
      headers: { ...a.auth, 'idempotency-key': 'shared' },
      payload,
    });
    const second = await ctx.request<Ok<TicketView>>({
      method: 'POST',
      url: '/api/tickets',
      headers: { ...b.auth, 'idempotency-key': 'shared' },
      payload,
    });
    expect(second.body.data.id).not.toBe(first.body.data.id);
    expect(second.body.data.creator.id).toBe(b.user.id);
  });

  it('finds the ticket of a first attempt whose response was never stored', async () => {
    const customer = await ctx.newUser('customer');
    const headers = { ...customer.auth, 'idempotency-key': 'lost-response' };
    const payload = { subject: 'Lost response', description: 'x' };
    const first = await ctx.request<Ok<TicketView>>({ method: 'POST', url: '/api/tickets', headers, payload });
    // As if the process died after its commit, before keeping the response.
    await ctx.db.execute(`delete from idempotency_keys where key = 'lost-response'`);
    const retry = await ctx.request<Ok<TicketView>>({ method: 'POST', url: '/api/tickets', headers, payload });
    expect(retry.status).toBe(201);
    expect(retry.body.data.id).toBe(first.body.data.id);
  });

  it('rejects a malformed key', async () => {
    const customer = await ctx.newUser('customer');
    const res = await ctx.request({
      method: 'POST',
      url: '/api/tickets',
      headers: { ...customer.auth, 'idempotency-key': 'has spaces in it' },
      payload: { subject: 'A', description: 'a' },
    });
    expect(res.status).toBe(422);
  });
});

describe('ETag and If-Match on tickets', () => {
  it('refuses a stale update with 412 instead of losing the other one', async () => {
    const customer = await ctx.newUser('customer');
    const alice = await ctx.newUser('operator');
    const bob = await ctx.newUser('operator');
    const ticket = await ctx.newTicket(customer);
    const url = `/api/tickets/${ticket.id}`;
    const read = await ctx.request({ method: 'GET', url, headers: alice.auth });
    const etag = String(read.headers.etag);
    expect(etag).toMatch(/^"\d+"$/);
    const bobs = await ctx.request({ method: 'GET', url, headers: bob.auth });
    expect(bobs.headers.etag).toBe(etag);

    const first = await ctx.request({
      method: 'PATCH',
      url,
      headers: { ...alice.auth, 'if-match': etag },
      payload: { operator_id: alice.user.id },
    });
    expect(first.status).toBe(200);
    expect(first.headers.etag).not.toBe(etag);
    const stale = await ctx.request({
      method: 'PATCH',
      url,
      headers: { ...bob.auth, 'if-match': etag },
      payload: { operator_id: bob.user.id },
    });
    expect(stale.status).toBe(412);
    const now = await ctx.request<Ok<TicketView>>({ method: 'GET', url, headers: bob.auth });
    expect(now.body.data.operator?.id).toBe(alice.user.id);
    const fresh = await ctx.request({
      method: 'PATCH',
      url,
      headers: { ...bob.auth, 'if-match': String(now.headers.etag) },
      payload: { status: 'in_progress' },
    });
    expect(fresh.status).toBe(200);
  });

  it('changes the ETag when a message arrives, and accepts If-Match: *', async () => {
    const customer = await ctx.newUser('customer');
    const ticket = await ctx.newTicket(customer);
    const url = `/api/tickets/${ticket.id}`;
    const before = (await ctx.request({ method: 'GET', url, headers: customer.auth })).headers.etag;
    await ctx.request({ method: 'POST', url: `${url}/messages`, headers: customer.auth, payload: { text: 'hi' } });
    const after = (await ctx.request({ method: 'GET', url, headers: customer.auth })).headers.etag;
    expect(after).not.toBe(before);
    const any = await ctx.request({
      method: 'PATCH',
      url,
      headers: { ...customer.auth, 'if-match': '*' },
      payload: { status: 'closed' },
    });
    expect(any.status).toBe(200);
  });
});
