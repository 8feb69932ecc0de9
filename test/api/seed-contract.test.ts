import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessageView } from '../../src/messages/message-schemas.js';
import type { TicketView } from '../../src/tickets/ticket-schemas.js';
import { userRepository } from '../../src/users/user-repository.js';
import type { UserView } from '../../src/users/user-schemas.js';
import { type Ok, type Page, TEST_PASSWORD, TestContext, type TestUser } from '../helpers/context.js';

/**
 * The seed's documented requests and responses (seed/000_d4545c16a2720959.txt) are the contract: its exact
 * request bodies, its status codes, its `message` and `detail` texts byte for byte, and every key it shows.
 */

const SEED_USER = { email: 'user@example.com', username: 'newuser', password: 'secure_password' };
const SEED_TICKET = { subject: 'Проблема с принтером', description: 'Принтер не печатает, пожалуйста помогите.' };
const SEED_MESSAGE = { text: 'Проблема решается.' };

type JsonType = 'integer' | 'string' | 'boolean' | 'timestamp' | 'user' | 'user or null';
type Shape = Record<string, JsonType>;
// The keys the seed's examples show, with their JSON types (responses may carry more).
const USER: Shape = {
  id: 'integer',
  email: 'string',
  username: 'string',
  is_active: 'boolean',
  created_at: 'timestamp',
  updated_at: 'timestamp',
};
const TICKET: Shape = {
  id: 'integer',
  subject: 'string',
  description: 'string',
  status: 'string',
  created_at: 'timestamp',
  updated_at: 'timestamp',
  creator: 'user',
  operator: 'user or null',
};
const MESSAGE: Shape = { id: 'integer', text: 'string', created_at: 'timestamp', author: 'user' };

function expectShape(value: unknown, shape: Shape, path = 'data'): void {
  expect(value, path).toBeTypeOf('object');
  expect(value, path).not.toBeNull();
  const record = value as Record<string, unknown>;
  for (const [key, type] of Object.entries(shape)) {
    const at = `${path}.${key}`;
    expect(Object.hasOwn(record, key), `${at} is missing`).toBe(true);
    const field = record[key];
    if (type === 'integer') expect(Number.isInteger(field), at).toBe(true);
    else if (type === 'string' || type === 'boolean') expect(field, at).toBeTypeOf(type);
    else if (type === 'timestamp') {
      expect(field, at).toBeTypeOf('string');
      expect(Number.isNaN(Date.parse(String(field))), `${at} is not a date`).toBe(false);
    } else if (type === 'user' || field !== null) expectShape(field, USER, at);
  }
}

function keysDeep(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(keysDeep);
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, inner]) => [key, ...keysDeep(inner)]);
}

let ctx: TestContext;

/** Every response in this file goes through here: no password, hash or token version may ever leave. */
async function call<T>(options: InjectOptions): Promise<{ status: number; raw: string; body: T }> {
  const res = await ctx.app.inject(options);
  for (const secret of ['$argon2', SEED_USER.password, TEST_PASSWORD]) expect(res.body).not.toContain(secret);
  const body: T = JSON.parse(res.body);
  expect(keysDeep(body).filter((key) => /password|hash|token_version/i.test(key))).toEqual([]);
  return { status: res.statusCode, raw: res.body, body };
}

let signUp: { status: number; raw: string; body: Ok<UserView> };
let seedUser: TestUser;
let operator: TestUser;

beforeAll(async () => {
  ctx = await TestContext.create();
  signUp = await call<Ok<UserView>>({ method: 'POST', url: '/api/users', payload: SEED_USER });
  const row = await userRepository.findById(ctx.db, signUp.body.data.id);
  if (!row) throw new Error(`sign-up did not store the user: ${signUp.raw}`);
  seedUser = ctx.tokenFor(row);
  operator = await ctx.newUser('operator');
});
afterAll(async () => ctx.close());

describe('users', () => {
  it('POST /api/users with the seed body → 201 "Пользователь успешно создан" in the seed shape', () => {
    expect(signUp.status).toBe(201);
    expect(signUp.body.message).toBe('Пользователь успешно создан');
    expectShape(signUp.body.data, USER);
    expect(signUp.body.data).toMatchObject({ email: 'user@example.com', username: 'newuser', is_active: true });
  });

  it.each([
    { email: 'user@example.com', username: 'newuser' },
    { email: 'User@Example.com', username: 'another_user' },
  ])('POST /api/users with a taken email ($email) → the seed 400 byte for byte', async (taken) => {
    const res = await call({ method: 'POST', url: '/api/users', payload: { ...SEED_USER, ...taken } });
    expect(res.status).toBe(400);
    expect(res.raw).toBe('{"detail":"Почта с таким именем ужё зарегистрирована"}');
  });

  it.each([
    {
      as: 'a form, by username',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'username=newuser&password=secure_password',
    },
    { as: 'JSON, by email', payload: { username: 'user@example.com', password: 'secure_password' } },
  ])('POST /api/auth/token with $as logs the seed user in; the token reads /api/users/me', async (login) => {
    const token = await call<{ access_token: string; token_type: string; expires_in: number }>({
      method: 'POST',
      url: '/api/auth/token',
      ...login,
    });
    expect(token.status).toBe(200);
    expect(token.body).toEqual({ access_token: expect.any(String), token_type: 'bearer', expires_in: 3600 });
    const headers = { authorization: `Bearer ${token.body.access_token}` };
    const me = await call<Ok<UserView>>({ method: 'GET', url: '/api/users/me', headers });
    expect(me.status).toBe(200);
    expect(me.body).toEqual({ data: signUp.body.data, message: 'Пользователь успешно получен' });
  });

  it('GET /api/users/{id} → 200 "Пользователь успешно получен" in the seed shape, for the user and for staff', async () => {
    for (const caller of [seedUser, operator]) {
      const res = await call<Ok<UserView>>({
        method: 'GET',
        url: `/api/users/${seedUser.user.id}`,
        headers: caller.auth,
      });
      expect(res.status).toBe(200);
      expect(res.body.message).toBe('Пользователь успешно получен');
      expectShape(res.body.data, USER);
      expect(res.body.data).toEqual(signUp.body.data);
    }
  });
});

describe('tickets and messages', () => {
  it('POST /api/tickets with the seed body → 201 "Обращение успешно создано", status open, no operator', async () => {
    const res = await call<Ok<TicketView>>({
      method: 'POST',
      url: '/api/tickets',
      headers: seedUser.auth,
      payload: SEED_TICKET,
    });
    expect(res.status).toBe(201);
    expect(res.body.message).toBe('Обращение успешно создано');
    expectShape(res.body.data, TICKET);
    expect(res.body.data).toMatchObject({ ...SEED_TICKET, status: 'open', operator: null });
    expect(res.body.data.creator).toEqual(signUp.body.data);
  });

  it('GET /api/tickets → 200 "Список обращений успешно получен", each item in the seed shape', async () => {
    const ticket = await ctx.newTicket(seedUser, SEED_TICKET);
    const res = await call<Page<TicketView>>({ method: 'GET', url: '/api/tickets', headers: seedUser.auth });
    expect(res.status).toBe(200);
    expect(res.body.message).toBe('Список обращений успешно получен');
    expect(res.body.data.map((t) => t.id)).toContain(ticket.id);
    res.body.data.forEach((item, i) => {
      expectShape(item, TICKET, `data[${i}]`);
    });
  });

  it('GET /api/tickets/{id} → 200 "Обращение успешно получено" in the seed shape', async () => {
    const ticket = await ctx.newTicket(seedUser, SEED_TICKET);
    const res = await call<Ok<TicketView>>({ method: 'GET', url: `/api/tickets/${ticket.id}`, headers: seedUser.auth });
    expect(res.status).toBe(200);
    expect(res.body.message).toBe('Обращение успешно получено');
    expectShape(res.body.data, TICKET);
    expect(res.body.data).toMatchObject({ id: ticket.id, ...SEED_TICKET, status: 'open', operator: null });
  });

  it('PATCH /api/tickets/{id} with the seed body → 200 "Обращение успешно обновлено", in progress, assigned', async () => {
    const ticket = await ctx.newTicket(seedUser, SEED_TICKET);
    const payload = { status: 'in_progress', operator_id: operator.user.id };
    const res = await call<Ok<TicketView>>({
      method: 'PATCH',
      url: `/api/tickets/${ticket.id}`,
      headers: operator.auth,
      payload,
    });
    expect(res.status).toBe(200);
    expect(res.body.message).toBe('Обращение успешно обновлено');
    expectShape(res.body.data, TICKET);
    expect(res.body.data).toMatchObject({ id: ticket.id, ...SEED_TICKET, status: 'in_progress' });
    expect(res.body.data.operator).toMatchObject({ id: operator.user.id, email: operator.user.email });
    expect(res.body.data.creator).toEqual(signUp.body.data);
  });

  it.each([
    ['the operator', () => operator],
    ['the ticket creator', () => seedUser],
  ])(
    'POST messages with the seed body by %s → 201 "Сообщение успешно создано" in the seed shape',
    async (_, author) => {
      const ticket = await ctx.newTicket(seedUser, SEED_TICKET);
      const url = `/api/tickets/${ticket.id}/messages`;
      const res = await call<Ok<MessageView>>({ method: 'POST', url, headers: author().auth, payload: SEED_MESSAGE });
      expect(res.status).toBe(201);
      expect(res.body.message).toBe('Сообщение успешно создано');
      expectShape(res.body.data, MESSAGE);
      expect(res.body.data.text).toBe('Проблема решается.');
      expect(res.body.data.author.id).toBe(author().user.id);
    },
  );

  it('GET /api/tickets/{id}/messages → 200 "Список сообщений успешно получен", each in the seed shape', async () => {
    const ticket = await ctx.newTicket(seedUser, SEED_TICKET);
    await ctx.newMessage(ticket, operator, SEED_MESSAGE.text);
    await ctx.newMessage(ticket, seedUser, 'Спасибо!');
    const res = await call<Page<MessageView>>({
      method: 'GET',
      url: `/api/tickets/${ticket.id}/messages`,
      headers: seedUser.auth,
    });
    expect(res.status).toBe(200);
    expect(res.body.message).toBe('Список сообщений успешно получен');
    expect(res.body.data.map((m) => [m.text, m.author.id])).toEqual([
      ['Проблема решается.', operator.user.id],
      ['Спасибо!', seedUser.user.id],
    ]);
    res.body.data.forEach((item, i) => {
      expectShape(item, MESSAGE, `data[${i}]`);
    });
  });
});

describe('seed error bodies, byte for byte', () => {
  const MISSING = 999999;
  // biome-ignore format: one line per documented error reads as a table
  const ERRORS = [
    { name: 'GET /api/users/{unknown}', status: 404, raw: '{"detail":"User not found"}', request: (): InjectOptions => ({ method: 'GET', url: `/api/users/${MISSING}`, headers: operator.auth }) },
    { name: 'POST /api/tickets for an unknown creator_id', status: 400, raw: '{"detail":"Пользователь c ID 999999 не найден"}', request: (): InjectOptions => ({ method: 'POST', url: '/api/tickets', headers: operator.auth, payload: { ...SEED_TICKET, creator_id: MISSING } }) },
    { name: 'GET /api/tickets/{unknown}', status: 404, raw: '{"detail":"Ticket not found"}', request: (): InjectOptions => ({ method: 'GET', url: `/api/tickets/${MISSING}`, headers: operator.auth }) },
    { name: 'PATCH /api/tickets/{unknown}', status: 400, raw: '{"detail":"Тикет с id 999999 не найден"}', request: (): InjectOptions => ({ method: 'PATCH', url: `/api/tickets/${MISSING}`, headers: operator.auth, payload: { status: 'in_progress', operator_id: operator.user.id } }) },
    { name: 'POST /api/tickets/{unknown}/messages', status: 400, raw: '{"detail":"Тикет с 999999 не найден"}', request: (): InjectOptions => ({ method: 'POST', url: `/api/tickets/${MISSING}/messages`, headers: operator.auth, payload: SEED_MESSAGE }) },
  ];
  it.each(ERRORS)('$name → $status $raw', async ({ request, status, raw }) => {
    const res = await call(request());
    expect(res.status).toBe(status);
    expect(res.raw).toBe(raw);
  });
});

describe('GET /api/tickets filter and order', () => {
  it('status=open with sort_by created_at_asc / created_at_desc, and desc by default', async () => {
    const customer = await ctx.newUser('customer');
    const first = await ctx.newTicket(customer, SEED_TICKET);
    const closed = await ctx.newTicket(customer, SEED_TICKET);
    const second = await ctx.newTicket(customer, SEED_TICKET);
    const third = await ctx.newTicket(customer, SEED_TICKET);
    const close = await call({
      method: 'PATCH',
      url: `/api/tickets/${closed.id}`,
      headers: customer.auth,
      payload: { status: 'closed' },
    });
    expect(close.status).toBe(200);
    const list = async (query: string) => {
      const res = await call<Page<TicketView>>({ method: 'GET', url: `/api/tickets${query}`, headers: customer.auth });
      expect(res.status).toBe(200);
      expect(res.body.message).toBe('Список обращений успешно получен');
      return res.body.data;
    };
    const asc = await list('?status=open&sort_by=created_at_asc');
    expect(asc.map((t) => t.id)).toEqual([first.id, second.id, third.id]);
    expect(asc.every((t) => t.status === 'open')).toBe(true);
    const times = asc.map((t) => Date.parse(t.created_at));
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect((await list('?status=open&sort_by=created_at_desc')).map((t) => t.id)).toEqual([
      third.id,
      second.id,
      first.id,
    ]);
    expect((await list('?status=open')).map((t) => t.id)).toEqual([third.id, second.id, first.id]);
    expect((await list('')).map((t) => t.id)).toEqual([third.id, second.id, closed.id, first.id]);
    expect((await list('?status=closed')).map((t) => t.id)).toEqual([closed.id]);
  });
});
