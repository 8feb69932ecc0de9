import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TicketRow } from '../../src/db/schema.js';
import { expectClientError, expectUnharmed, expectValidation, recordingSender } from '../helpers/answers.js';
import { TestContext, type TestUser } from '../helpers/context.js';
import { newWorld } from '../helpers/world.js';

/**
 * Query strings, cursors, path ids and URLs: a wrong value is a 422 at ["query", name] or ["path", name], an
 * unknown route a 404, and every answer is in the documented shape — never a 500, never the framework's own.
 */

let ctx: TestContext;
let customer: TestUser;
let operator: TestUser;
let ticket: TicketRow;
const { send, serverErrors } = recordingSender(() => ctx);

beforeAll(async () => {
  ctx = await TestContext.create();
  ({ owner: customer, operator, ticket } = await newWorld(ctx));
});
afterAll(async () => ctx.close());

const b64 = (text: string | Buffer) => Buffer.from(text).toString('base64url');

/**
 * Users and mail are for staff only: a customer's well-formed query is a 403, so operators probe them. Every
 * list takes the same keyset cursor (lib/cursor.ts); `foreign` is a well-formed one never issued.
 */
const lists: [name: string, path: () => string, callers: () => TestUser[], foreign: () => string][] = [
  ['GET /api/tickets', () => '/api/tickets', () => [customer, operator], () => b64(`[${Date.now()},0]`)],
  ['GET /api/users', () => '/api/users', () => [operator], () => b64(`[${Date.now()},0]`)],
  [
    'GET /api/tickets/{id}/messages',
    () => `/api/tickets/${ticket.id}/messages`,
    () => [customer, operator],
    () => b64(`[${Date.now()},0]`),
  ],
  ['GET /api/mail/log', () => '/api/mail/log', () => [operator], () => b64(`[${Date.now()},12345]`)],
  ['GET /api/mail/outbox', () => '/api/mail/outbox', () => [operator], () => b64(`[${Date.now()},12345]`)],
];

/** Query strings every list refuses, with where and why. */
const pageQueries: [query: string, name: string, type: string | undefined][] = [
  ['limit=0', 'limit', 'greater_than_equal'],
  ['limit=-1', 'limit', 'greater_than_equal'],
  ['limit=201', 'limit', 'less_than_equal'],
  ['limit=Infinity', 'limit', 'less_than_equal'],
  ['limit=abc', 'limit', 'integer_type'],
  ['limit=1.5', 'limit', 'integer_type'],
  ['limit=', 'limit', 'integer_type'],
  ['limit=%00', 'limit', 'integer_type'],
  ['limit=1&limit=2', 'limit', 'integer_type'],
  ['bogus=1', 'bogus', 'extra_forbidden'],
  ['__proto__=1', '__proto__', 'extra_forbidden'],
  ['constructor=1', 'constructor', 'extra_forbidden'],
];

/** Cursors we never handed out: all must be a 422 at ["query", "cursor"], before any database work. */
const badCursors: [label: string, cursor: string][] = [
  ['garbage', 'not!a*cursor'],
  ['empty', ''],
  ['NUL', '%00'],
  ['padded base64', `${b64('[1,2]')}==`],
  ['201 characters', 'A'.repeat(201)],
  ['10,000 characters', 'A'.repeat(10_000)],
  ['ten digits, past int4', '9999999999'],
  ['repeated', 'a&cursor=b'],
  ['base64 of text', b64('hello')],
  ['base64 of null', b64('null')],
  ['base64 of an object', b64('{"a":1}')],
  ['base64 of three numbers', b64('[1,2,3]')],
  ['base64 of [1e20, 1]', b64('[1e20,1]')],
  ['base64 of [1.5, 1]', b64('[1.5,1]')],
  ['base64 of a negative id', b64('[1,-1]')],
  ['base64 of an id past int4', b64('[1,3000000000]')],
  ['base64 of a string time', b64('["2025-01-01",1]')],
  ['base64 of invalid UTF-8', b64(Buffer.from([0xff, 0xfe, 0x5b, 0x31]))],
  ['base64 of the last JS date (year 275760)', b64('[8640000000000000,1]')],
  ['base64 of the first JS date (year -271821)', b64('[-8640000000000000,1]')],
  ['base64 of year 10000', b64('[253402300800000,1]')],
  ['base64 of year 0', b64('[-62135596800001,1]')],
];

describe.each(lists)('%s: query values', (_name, path, callers, foreign) => {
  it.each(pageQueries)('refuses ?%s at its name', async (query, name, type) => {
    for (const caller of callers()) {
      expectValidation(
        await send({ method: 'GET', url: `${path()}?${query}`, headers: caller.auth }),
        ['query', name],
        type,
      );
    }
  });

  it.each(badCursors)('refuses a cursor that is %s', async (_label, cursor) => {
    for (const caller of callers()) {
      const res = await send({ method: 'GET', url: `${path()}?cursor=${cursor}`, headers: caller.auth });
      expectValidation(res, ['query', 'cursor']);
    }
  });

  it('accepts a well-formed cursor it did not issue (a position, not a secret)', async () => {
    const res = await send({
      method: 'GET',
      url: `${path()}?cursor=${foreign()}`,
      headers: operator.auth,
    });
    expect(res.status).toBe(200);
  });
});

describe('list filters', () => {
  it.each([
    ['/api/tickets?status=foo', 'status', 'enum'],
    ['/api/tickets?status=OPEN', 'status', 'enum'],
    ['/api/tickets?status=open%00', 'status', 'enum'],
    ['/api/tickets?status=', 'status', 'enum'],
    ['/api/tickets?status=open&status=closed', 'status', undefined],
    ['/api/tickets?status=%ED%A0%80', 'status', 'enum'],
    ['/api/tickets?status=%E0%A4%A', 'status', 'enum'],
    [`/api/tickets?status=${'x'.repeat(100_000)}`, 'status', 'enum'],
    ['/api/tickets?sort_by=bar', 'sort_by', 'enum'],
    ['/api/tickets?sort_by=created_at_asc%00', 'sort_by', 'enum'],
    ['/api/tickets?sort_by=', 'sort_by', 'enum'],
    ['/api/users?role=superuser', 'role', undefined],
    ['/api/users?role=%00', 'role', undefined],
    ['/api/mail/log?outcome=bogus', 'outcome', undefined],
    ['/api/mail/log?ticket_id=0', 'ticket_id', 'greater_than_equal'],
    ['/api/mail/outbox?status=bogus', 'status', undefined],
    ['/api/mail/outbox?ticket_id=99999999999', 'ticket_id', 'less_than_equal'],
  ])('refuses %s', async (url, name, type) => {
    for (const caller of [customer, operator]) {
      expectValidation(await send({ method: 'GET', url, headers: caller.auth }), ['query', name], type);
    }
  });
});

const idRoutes: [
  name: string,
  method: 'GET' | 'POST' | 'PATCH',
  url: (id: string) => string,
  param: string,
  payload?: object,
][] = [
  ['GET /api/tickets/{id}', 'GET', (id) => `/api/tickets/${id}`, 'ticket_id'],
  ['PATCH /api/tickets/{id}', 'PATCH', (id) => `/api/tickets/${id}`, 'ticket_id', { status: 'closed' }],
  ['GET /api/tickets/{id}/messages', 'GET', (id) => `/api/tickets/${id}/messages`, 'ticket_id'],
  ['POST /api/tickets/{id}/messages', 'POST', (id) => `/api/tickets/${id}/messages`, 'ticket_id', { text: 'x' }],
  ['GET /api/users/{id}', 'GET', (id) => `/api/users/${id}`, 'user_id'],
  ['PATCH /api/users/{id}', 'PATCH', (id) => `/api/users/${id}`, 'user_id', { username: 'someone' }],
  ['GET /api/tickets/{id}/attachments', 'GET', (id) => `/api/tickets/${id}/attachments`, 'ticket_id'],
  ['GET /api/tickets/{id}/attachments/1', 'GET', (id) => `/api/tickets/${id}/attachments/1`, 'ticket_id'],
  ['GET /api/tickets/1/attachments/{id}', 'GET', (id) => `/api/tickets/1/attachments/${id}`, 'attachment_id'],
  ['POST /api/mail/outbox/{id}/resend', 'POST', (id) => `/api/mail/outbox/${id}/resend`, 'outbox_id'],
];

describe.each(idRoutes)('%s: path ids', (_name, method, url, param, payload) => {
  const call = (id: string, caller: TestUser) => send({ method, url: url(id), headers: caller.auth, payload });

  it.each([
    '0',
    '-1',
    '1.5',
    'abc',
    '99999999999',
    '2147483648',
    '%00',
    '1%00',
    'NaN',
    'Infinity',
    '1e400',
    'a'.repeat(199),
  ])('refuses %s with a 422 at the id', async (id) => {
    for (const caller of [customer, operator]) expectValidation(await call(id, caller), ['path', param]);
  });

  it('answers an id that does not exist (the largest int4) with the documented 4xx', async () => {
    for (const caller of [customer, operator]) expectClientError(await call('2147483647', caller), [400, 403, 404]);
  });
});

/**
 * URLs the router itself gives up on (a broken %-escape, a path segment over its 200-character limit): the
 * answer must still be the documented `{"detail": …}`, not the framework's `{"error", "code", "message"}`.
 */
describe('URLs the router cannot decode', () => {
  it.each([
    ['/api/tickets/%', [400, 404, 422]],
    ['/api/tickets/%E0%A4%A', [400, 404, 422]],
    ['/api/tickets/%zz/messages', [400, 404, 422]],
    ['/api/users/%ED%A0%80', [400, 404, 422]],
    [`/api/tickets/${'9'.repeat(300)}`, [404, 414, 422]],
    [`/api/users/${'9'.repeat(300)}`, [404, 414, 422]],
  ])('answers GET %s with a 4xx in the documented shape', async (url, statuses) => {
    for (const caller of [customer, operator]) {
      expectClientError(await send({ method: 'GET', url, headers: caller.auth }), statuses);
    }
  });
});

describe('unknown routes', () => {
  it.each([
    ['GET', '/api/nothing-here'],
    ['GET', '/api'],
    ['GET', '/nothing'],
    ['POST', '/api/tickets/1/close'],
    ['DELETE', '/api/tickets/1'],
    ['PUT', '/api/users/1'],
    ['GET', '/api/tickets/1/messages/1'],
    ['GET', '/api/users/me/extra'],
    ['GET', `/api/${'x'.repeat(5000)}`],
  ] as const)('answers %s %s with 404 Not Found, with or without a token', async (method, url) => {
    for (const headers of [operator.auth, {}]) {
      const res = await send({ method, url, headers });
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ detail: 'Not Found' });
    }
  });
});

expectUnharmed(() => ctx, serverErrors);
