import { Writable } from 'node:stream';
import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { openDatabase } from '../../src/db/client.js';
import { groups } from '../../src/db/schema.js';
import { type Page, TestContext, type TestUser } from '../helpers/context.js';
import { SseClient } from '../helpers/sse.js';

/**
 * GET /api/events/stream over a real listener (app.inject cannot stream): what each kind of caller receives,
 * replay, the query token and the logs, and a change made through another app instance on the same
 * PostgreSQL database.
 */

let ctx: TestContext;
let base: string;
const open: SseClient[] = [];

beforeAll(async () => {
  ctx = await TestContext.create({ LIVE_HEARTBEAT_SECONDS: '1', LIVE_RECHECK_SECONDS: '1' });
  base = await ctx.app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  for (const client of open) client.abort();
  await ctx.close();
});

async function stream(who: TestUser | undefined, query = '', headers: Record<string, string> = {}) {
  const client = await SseClient.open(`${base}/api/events/stream${query}`, { ...(who?.auth ?? {}), ...headers });
  open.push(client);
  if (client.response.ok) await client.until(() => client.comments.includes('connected'), 1_000);
  return client;
}

const data = (message: { data: string }) =>
  JSON.parse(message.data) as { ticket_id: number; event: Record<string, unknown>; ticket: Record<string, unknown> };

async function historyAs(who: TestUser, ticketId: number) {
  const res = await ctx.request<Page<Record<string, unknown>>>({
    method: 'GET',
    url: `/api/tickets/${ticketId}/events?limit=100`,
    headers: who.auth,
  });
  return res.body.data;
}

async function ticketAs(who: TestUser, ticketId: number) {
  const res = await ctx.request<{ data: Record<string, unknown> }>({
    method: 'GET',
    url: `/api/tickets/${ticketId}`,
    headers: who.auth,
  });
  return res.body.data;
}

async function patch(who: TestUser, ticketId: number, payload: Record<string, unknown>) {
  const res = await ctx.request({ method: 'PATCH', url: `/api/tickets/${ticketId}`, headers: who.auth, payload });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

async function post(who: TestUser, ticketId: number, text: string, internal = false) {
  const res = await ctx.request({
    method: 'POST',
    url: `/api/tickets/${ticketId}/messages`,
    headers: who.auth,
    payload: { text, internal },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
}

describe('GET /api/events/stream', () => {
  it('sends staff an event for a PATCH within a second, as the history and the ticket routes show it', async () => {
    const operator = await ctx.newUser('operator');
    const ticket = await ctx.newTicket(await ctx.newUser());
    const client = await stream(operator);
    expect(client.response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const started = Date.now();
    await patch(operator, ticket.id, { status: 'in_progress' });
    const [message] = await client.waitFor(1, 1_000);
    expect(Date.now() - started).toBeLessThan(1_000);
    const history = await historyAs(operator, ticket.id);
    const last = history[history.length - 1];
    expect(message).toMatchObject({ id: String(last?.id), event: 'ticket.updated' });
    expect(data(message as { data: string })).toEqual({
      ticket_id: ticket.id,
      event: last,
      ticket: await ticketAs(operator, ticket.id),
    });
  });

  it("sends a customer their own tickets' events only: no internal notes, no group or tag changes", async () => {
    const operator = await ctx.newUser('operator');
    const customer = await ctx.newUser();
    const mine = await ctx.newTicket(customer);
    const theirs = await ctx.newTicket(await ctx.newUser());
    const [group] = await ctx.db
      .insert(groups)
      .values({ name: ctx.unique('Queue') })
      .returning();
    const client = await stream(customer);
    await patch(operator, mine.id, { tags: ['angry-customer'] });
    await patch(operator, mine.id, { group_id: group?.id });
    await post(operator, mine.id, 'Internal: refund?', true);
    await patch(operator, theirs.id, { status: 'in_progress' });
    await post(operator, theirs.id, 'Not for you');
    await patch(operator, mine.id, { status: 'in_progress', tags: ['vip'] });
    await post(operator, mine.id, 'We are on it');
    const messages = await client.waitFor(2, 1_000);
    const history = await historyAs(customer, mine.id);
    expect(messages.map((m) => [m.id, m.event])).toEqual(
      history.slice(-2).map((event) => [String(event.id), event.type]),
    );
    expect(data(messages[0] as { data: string }).event).toMatchObject({ changes: { status: expect.anything() } });
    expect(data(messages[0] as { data: string }).event.changes).not.toHaveProperty('tags');
    expect(data(messages[1] as { data: string })).toEqual({
      ticket_id: mine.id,
      event: history[history.length - 1],
      ticket: await ticketAs(customer, mine.id),
    });
    expect(data(messages[1] as { data: string }).ticket).toMatchObject({ tags: [], group: null });
    // Nothing else follows (the filtered events and the other ticket's came before these two).
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(client.messages).toHaveLength(2);
  });

  it('replays what came after Last-Event-ID, in order, then goes live', async () => {
    const operator = await ctx.newUser('operator');
    const ticket = await ctx.newTicket(await ctx.newUser());
    const before = (await historyAs(operator, ticket.id)).at(-1)?.id;
    await patch(operator, ticket.id, { status: 'in_progress' });
    await patch(operator, ticket.id, { priority: 'high' });
    await post(operator, ticket.id, 'Answer');
    const missed = (await historyAs(operator, ticket.id)).filter((event) => Number(event.id) > Number(before));
    expect(missed).toHaveLength(3);
    const client = await stream(operator, '', { 'last-event-id': String(before) });
    // Other tests' events may be newer than `before` too: only this ticket's are compared.
    const mine = () => client.messages.filter((m) => data(m).ticket_id === ticket.id);
    await client.until(() => mine().length >= 3, 1_000);
    expect(mine().map((m) => m.id)).toEqual(missed.map((event) => String(event.id)));
    await patch(operator, ticket.id, { status: 'closed' });
    await client.until(() => mine().length >= 4, 1_000);
    expect(mine()[3]?.event).toBe('ticket.updated');
    const ids = client.messages.map((m) => Number(m.id));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('answers 401 in JSON without a token, or with a bad one, before any stream', async () => {
    for (const [query, detail] of [
      ['', 'Not authenticated'],
      ['?access_token=nonsense', 'Could not validate credentials'],
    ]) {
      const client = await stream(undefined, query);
      expect(client.response.status).toBe(401);
      expect(client.response.headers.get('content-type')).toContain('application/json');
      expect(await client.response.json()).toEqual({ detail });
    }
  });

  it('ends the stream of an account deactivated meanwhile, and sends heartbeats', async () => {
    const admin = await ctx.newUser('admin');
    const operator = await ctx.newUser('operator');
    const client = await stream(operator);
    await client.until(() => client.comments.includes('ping'), 2_500);
    const res = await ctx.request({
      method: 'PATCH',
      url: `/api/users/${operator.user.id}`,
      headers: admin.auth,
      payload: { is_active: false },
    });
    expect(res.status).toBe(200);
    await client.until(() => client.ended, 3_000);
  });
});

describe('?access_token', () => {
  it('authenticates the stream, and never reaches the logs', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const logged = await buildApp({
      config: ctx.config,
      database: ctx.database,
      logger: { level: 'info', stream: sink },
    });
    try {
      const url = await logged.listen({ host: '127.0.0.1', port: 0 });
      const customer = await ctx.newUser();
      const ticket = await ctx.newTicket(customer);
      const client = await SseClient.open(`${url}/api/events/stream?access_token=${customer.token}&last_event_id=0`);
      open.push(client);
      expect(client.response.status).toBe(200);
      await client.until(() => client.messages.some((m) => data(m).ticket_id === ticket.id), 1_000);
      // A request that fails is logged with its URL too.
      await fetch(`${url}/api/events/stream?access_token=${customer.token}x`);
      client.abort();
    } finally {
      await logged.close();
    }
    const log = lines.join('');
    expect(log).toContain('/api/events/stream?access_token=[redacted]');
    expect(log).not.toMatch(/eyJ/);
  });
});

describe('reset', () => {
  it('sends `reset` to a Last-Event-ID more than 10,000 events behind, then live events', async () => {
    const operator = await ctx.newUser('operator');
    const customer = await ctx.newUser();
    const mine = await ctx.newTicket(customer);
    const busy = await ctx.newTicket(operator);
    // Another ticket's events, so this customer's stream is not also sent them live while the hub reads them.
    await ctx.db.execute(
      sql`insert into ticket_events (ticket_id, type, actor_id) select ${busy.id}, 'note.created', null from generate_series(1, 10001)`,
    );
    const client = await stream(customer, '?last_event_id=1');
    const [first] = await client.waitFor(1, 1_000);
    expect(first).toMatchObject({ id: undefined, event: 'reset' });
    await patch(operator, mine.id, { status: 'in_progress' });
    // The hub reads the 10,001 events in batches before it reaches this one: a few seconds at most.
    await client.until(() => client.messages.some((m) => m.event === 'ticket.updated'), 5_000);
    expect(client.messages.map((m) => m.event)).toEqual(['reset', 'ticket.updated']);
  });
});

describe('two API instances on one PostgreSQL database', () => {
  let a: TestContext;
  let b: FastifyInstance;
  let closeB: () => Promise<void>;

  beforeAll(async () => {
    // Always PostgreSQL, in both test runs: PGlite lives inside one process and cannot be shared.
    a = await TestContext.create({}, { postgres: true });
    const database = await openDatabase({ kind: 'postgres', url: a.databaseUrl as string, poolSize: 2 });
    b = await buildApp({ config: a.config, database });
    closeB = async () => {
      await b.close();
      await database.close();
    };
  });
  afterAll(async () => {
    await closeB();
    await a.close();
  });

  it('a change through instance A reaches a stream on instance B within a second; closing B ends it', async () => {
    const url = await b.listen({ host: '127.0.0.1', port: 0 });
    const operator = await a.newUser('operator');
    const ticket = await a.newTicket(await a.newUser());
    const client = await SseClient.open(`${url}/api/events/stream`, operator.auth);
    open.push(client);
    await client.until(() => client.comments.includes('connected'), 1_000);
    const started = Date.now();
    const res = await a.request({
      method: 'PATCH',
      url: `/api/tickets/${ticket.id}`,
      headers: operator.auth,
      payload: { status: 'in_progress' },
    });
    expect(res.status).toBe(200);
    const [message] = await client.waitFor(1, 1_000);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(message?.event).toBe('ticket.updated');
    expect(data(message as { data: string }).ticket).toMatchObject({ id: ticket.id, status: 'in_progress' });
    await b.close();
    await client.until(() => client.ended, 1_000);
  });
});
