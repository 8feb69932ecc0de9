import { Value } from 'typebox/value';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TicketRow } from '../../src/db/schema.js';
import { ErrorBody, ValidationErrorBody } from '../../src/routes/http-schemas.js';
import type { TicketView } from '../../src/tickets/ticket-schemas.js';
import { expectDetail, expectUnharmed, expectValidation, recordingSender } from '../helpers/answers.js';
import { type Ok, type Response as Res, TestContext, type TestUser } from '../helpers/context.js';
import { newWorld } from '../helpers/world.js';

/**
 * How bodies arrive: broken JSON is a 422 json_invalid, a body over 1 MiB a 413, a media type no route takes
 * a 415, and pathological JSON (10,000 levels deep, 100,000 keys) a quick 4xx; never a 500.
 */

let ctx: TestContext;
let customer: TestUser;
let ticket: TicketRow;
const { send, serverErrors } = recordingSender(() => ctx);

beforeAll(async () => {
  ctx = await TestContext.create({ LOGIN_RATE_LIMIT_PER_MINUTE: '100000', SIGNUP_LIMIT_PER_HOUR: '100000' });
  ({ owner: customer, ticket } = await newWorld(ctx));
});
afterAll(async () => ctx.close());

const bodyRoutes: [name: string, method: 'POST' | 'PATCH', url: () => string][] = [
  ['POST /api/tickets', 'POST', () => '/api/tickets'],
  ['PATCH /api/tickets/{id}', 'PATCH', () => `/api/tickets/${ticket.id}`],
  ['POST /api/tickets/{id}/messages', 'POST', () => `/api/tickets/${ticket.id}/messages`],
  ['POST /api/users', 'POST', () => '/api/users'],
  ['PATCH /api/users/{id}', 'PATCH', () => `/api/users/${customer.user.id}`],
  ['POST /api/auth/token', 'POST', () => '/api/auth/token'],
];

const raw = (method: 'POST' | 'PATCH', url: string, contentType: string | undefined, payload: string | Buffer) =>
  send({
    method,
    url,
    headers: { ...customer.auth, ...(contentType ? { 'content-type': contentType } : {}) },
    payload,
  });

const MiB = 1024 * 1024;

describe.each(bodyRoutes)('%s', (_name, method, url) => {
  it.each([
    ['a truncated object', '{"subject":'],
    ['unquoted keys', '{subject:"a"}'],
    ['single quotes', "{'subject':'a'}"],
    ['a trailing comma', '{"subject":"a",}'],
    ['a leading zero', '{"n":01}'],
    ['NaN', 'NaN'],
    ['two documents', '{}{}'],
    ['an empty body', ''],
    ['only whitespace', ' \n\t '],
  ])('answers %s with a 422 json_invalid', async (_label, payload) => {
    expectValidation(await raw(method, url(), 'application/json', payload), ['body'], 'json_invalid');
  });

  it.each([
    ['a __proto__ key', '{"__proto__":{"isAdmin":true}}'],
    ['a constructor.prototype key', '{"constructor":{"prototype":{"isAdmin":true}}}'],
  ])('refuses %s with a 4xx in the documented shape', async (_label, payload) => {
    const res = await raw(method, url(), 'application/json', payload);
    expect([400, 422]).toContain(res.status);
    expect(Value.Check(res.status === 422 ? ValidationErrorBody : ErrorBody, res.body)).toBe(true);
  });

  it('answers a body over 1 MiB with 413', async () => {
    const payload = JSON.stringify({ text: 'x'.repeat(MiB) });
    expectDetail(await raw(method, url(), 'application/json', payload), 413, 'Request body is too large');
  });

  it.each([
    'multipart/form-data; boundary=xyz',
    'application/xml',
    'application/jsonx',
    'application/vnd.api+json',
    'image/png',
  ])('answers a %s body with 415', async (contentType) => {
    expectDetail(await raw(method, url(), contentType, '{"text":"x"}'), 415, 'Unsupported media type');
  });

  it('answers a text/plain body with 415 (no route takes text)', async () => {
    expectDetail(await raw(method, url(), 'text/plain', '{"text":"x"}'), 415, 'Unsupported media type');
  });

  it('answers a body without a content type with 415', async () => {
    expectDetail(await raw(method, url(), undefined, '{"text":"x"}'), 415, 'Unsupported media type');
  });
});

describe('media types per route', () => {
  it('takes a form only on /api/auth/token: elsewhere it is a 415, never a 2xx', async () => {
    const res = await raw('POST', '/api/tickets', 'application/x-www-form-urlencoded', 'subject=a&description=b');
    expectDetail(res, 415, 'Unsupported media type');
    const login = await raw('POST', '/api/auth/token', 'application/x-www-form-urlencoded', 'username=a&password=b');
    expectDetail(login, 401, 'Incorrect username or password');
  });

  it('caps a login form at 16 KiB', async () => {
    const res = await raw(
      'POST',
      '/api/auth/token',
      'application/x-www-form-urlencoded',
      `username=a&password=${'x'.repeat(17_000)}`,
    );
    expectDetail(res, 413, 'Request body is too large');
  });

  it('puts the cap at 1 MiB: just under it is judged on its fields, just over it is a 413', async () => {
    const envelope = JSON.stringify({ subject: 's', description: '' }).length;
    const under = JSON.stringify({ subject: 's', description: 'd'.repeat(MiB - envelope) });
    expect(under.length).toBe(MiB);
    expectValidation(
      await raw('POST', '/api/tickets', 'application/json', under),
      ['body', 'description'],
      'string_too_long',
    );
    const over = JSON.stringify({ subject: 's', description: 'd'.repeat(MiB - envelope + 1) });
    expectDetail(await raw('POST', '/api/tickets', 'application/json', over), 413);
  });

  it('answers a Content-Length that does not match the body with 400', async () => {
    const res = await send({
      method: 'POST',
      url: '/api/tickets',
      headers: { ...customer.auth, 'content-type': 'application/json', 'content-length': '5' },
      payload: '{"subject":"a","description":"b"}',
    });
    expectDetail(res, 400);
  });
});

/** Pathological JSON must be refused in well under the time a client would wait. */
async function timed(payload: string): Promise<{ res: Res<unknown>; ms: number }> {
  const started = performance.now();
  const res = await raw('POST', '/api/tickets', 'application/json', payload);
  return { res, ms: performance.now() - started };
}

describe('pathological JSON', () => {
  const deep = (levels: number, leaf = '1') => `${'{"a":'.repeat(levels)}${leaf}${'}'.repeat(levels)}`;

  it.each([
    ['10,000 nested arrays as the body', `${'['.repeat(10_000)}${']'.repeat(10_000)}`, ['body']],
    ['10,000 nested objects as the body', deep(10_000), ['body', 'subject']],
    ['10,000 nested objects as the subject', `{"subject":${deep(10_000)},"description":"d"}`, ['body', 'subject']],
    [
      '10,000 nested objects under an unknown key',
      `{"subject":"s","description":"d","x":${deep(10_000)}}`,
      ['body', 'x'],
    ],
    ['100,000 nested arrays as the body', `${'['.repeat(100_000)}${']'.repeat(100_000)}`, ['body']],
  ])('answers %s with a quick 422', async (_label, payload, loc) => {
    const { res, ms } = await timed(payload);
    expectValidation(res, loc);
    expect(ms).toBeLessThan(3_000);
  });

  it('answers an object with 100,000 keys (under the size cap) with a quick 422', async () => {
    const keys = Array.from({ length: 100_000 }, (_, i) => `"${i.toString(36)}":0`).join(',');
    const payload = `{"subject":"s","description":"d",${keys}}`;
    expect(payload.length).toBeLessThan(MiB);
    const { res, ms } = await timed(payload);
    expectValidation(res, ['body', '0'], 'extra_forbidden');
    expect(ms).toBeLessThan(3_000);
  });

  it('reads duplicate keys as JSON.parse does (the last one wins), and validates that one', async () => {
    const created = await raw(
      'POST',
      '/api/tickets',
      'application/json',
      '{"subject":"first","subject":"second","description":"d"}',
    );
    expect(created.status).toBe(201);
    expect((created.body as Ok<TicketView>).data.subject).toBe('second');
    const invalid = await raw(
      'POST',
      '/api/tickets',
      'application/json',
      '{"subject":"fine","subject":123,"description":"d"}',
    );
    expectValidation(invalid, ['body', 'subject'], 'string_type');
  });
});

expectUnharmed(() => ctx, serverErrors);
