import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TicketRow } from '../../src/db/schema.js';
import { expectUnharmed, recordingSender } from '../helpers/answers.js';
import { TestContext, type TestUser } from '../helpers/context.js';
import { newWorld } from '../helpers/world.js';

/**
 * Every route behind a token answers a missing, malformed, forged, expired or stale one with 401
 * `{"detail": …}` and `WWW-Authenticate: Bearer`. Tokens are built by hand (HMAC over base64url), so the
 * test does not trust the library it checks.
 */

let ctx: TestContext;
let customer: TestUser;
let deactivated: TestUser;
let ticket: TicketRow;
let attachmentId: number;
let outboxId: number;
let groupId: number;
let responseId: number;
let secret: string;
const { send, serverErrors } = recordingSender(() => ctx);

beforeAll(async () => {
  ctx = await TestContext.create();
  secret = ctx.config.auth.secretKey;
  ({
    owner: customer,
    deactivated,
    ticket,
    attachmentId,
    outboxId,
    groupId,
    sharedResponseId: responseId,
  } = await newWorld(ctx));
});
afterAll(async () => ctx.close());

const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

/** A JWT signed with HMAC (or unsigned when `key` is null). */
function jwt(payload: object, options: { key?: string | null; alg?: string; header?: object } = {}): string {
  const alg = options.alg ?? 'HS256';
  const data = `${part({ alg, typ: 'JWT', ...options.header })}.${part(payload)}`;
  const key = options.key === undefined ? secret : options.key;
  if (key === null) return `${data}.`;
  const hash = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' }[alg] ?? 'sha256';
  return `${data}.${createHmac(hash, key).update(data).digest('base64url')}`;
}
const claims = (user: TestUser, extra: object = {}) => ({
  sub: String(user.user.id),
  ver: user.user.tokenVersion,
  iat: now(),
  exp: now() + 600,
  ...extra,
});

const routes: [method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', url: () => string, payload?: object][] = [
  ['GET', () => '/api/users/me'],
  // Refused before the stream starts, so inject (which waits for the end of a response) gets its answer.
  ['GET', () => '/api/events/stream'],
  ['GET', () => '/api/users'],
  ['GET', () => `/api/users/${customer.user.id}`],
  ['PATCH', () => `/api/users/${customer.user.id}`, { username: 'renamed' }],
  ['POST', () => '/api/users', { email: 'x@example.com', username: 'xuser', password: 'long-enough-password' }],
  ['GET', () => '/api/tickets'],
  ['POST', () => '/api/tickets', { subject: 's', description: 'd' }],
  ['GET', () => `/api/tickets/${ticket.id}`],
  ['PATCH', () => `/api/tickets/${ticket.id}`, { status: 'closed' }],
  ['GET', () => `/api/tickets/${ticket.id}/messages`],
  ['POST', () => `/api/tickets/${ticket.id}/messages`, { text: 'hi' }],
  ['GET', () => `/api/tickets/${ticket.id}/attachments`],
  ['GET', () => `/api/tickets/${ticket.id}/attachments/${attachmentId}`],
  ['GET', () => '/api/mail/mailboxes'],
  ['GET', () => '/api/mail/log'],
  ['GET', () => '/api/mail/outbox'],
  ['POST', () => `/api/mail/outbox/${outboxId}/resend`],
  ['POST', () => '/api/groups', { name: 'Forged' }],
  ['GET', () => '/api/groups'],
  ['GET', () => `/api/groups/${groupId}`],
  ['PATCH', () => `/api/groups/${groupId}`, { name: 'Forged' }],
  ['PUT', () => `/api/groups/${groupId}/members`, { user_ids: [] }],
  ['POST', () => '/api/canned-responses', { title: 't', text: 't' }],
  ['GET', () => '/api/canned-responses'],
  ['GET', () => `/api/canned-responses/${responseId}`],
  ['PATCH', () => `/api/canned-responses/${responseId}`, { title: 'Forged' }],
  ['DELETE', () => `/api/canned-responses/${responseId}`],
  ['POST', () => `/api/canned-responses/${responseId}/render`, { ticket_id: 1 }],
];

const headers: [label: string, authorization: () => string][] = [
  ['an empty header', () => ''],
  ['garbage', () => 'garbage'],
  ['"Bearer" alone', () => 'Bearer'],
  ['"Bearer " and spaces', () => 'Bearer    '],
  ['Basic credentials', () => `Basic ${Buffer.from('user:pass').toString('base64')}`],
  ['another scheme with a valid token', () => `Token ${ctx.tokenFor(customer.user).token}`],
  ['a bearer of garbage', () => 'Bearer garbage'],
  ['a bearer of three empty parts', () => 'Bearer ..'],
  ['a bearer of 10,000 characters', () => `Bearer ${'a'.repeat(10_000)}`],
  ['a token with alg "none"', () => `Bearer ${jwt(claims(customer), { alg: 'none', key: null })}`],
  ['a token with alg "none" and a signature', () => `Bearer ${jwt(claims(customer), { alg: 'none' })}`],
  ['a token signed with another secret', () => `Bearer ${jwt(claims(customer), { key: `${secret}-not` })}`],
  ['a token signed with an empty secret', () => `Bearer ${jwt(claims(customer), { key: '' })}`],
  ['a token signed with HS512 (only HS256 is allowed)', () => `Bearer ${jwt(claims(customer), { alg: 'HS512' })}`],
  ['an expired token', () => `Bearer ${jwt(claims(customer, { iat: now() - 7200, exp: now() - 3600 }))}`],
  ['a token not valid yet', () => `Bearer ${jwt(claims(customer, { nbf: now() + 3600 }))}`],
  ['a token with a tampered payload', () => `Bearer ${tamper(jwt(claims(customer)))}`],
  ['a token for a user that does not exist', () => `Bearer ${jwt(claims(customer, { sub: '2147483647' }))}`],
  ['a token with sub past int4', () => `Bearer ${jwt(claims(customer, { sub: '99999999999' }))}`],
  ['a token with a numeric sub', () => `Bearer ${jwt(claims(customer, { sub: customer.user.id }))}`],
  ['a token with sub "abc"', () => `Bearer ${jwt(claims(customer, { sub: 'abc' }))}`],
  ['a token with sub "0"', () => `Bearer ${jwt(claims(customer, { sub: '0' }))}`],
  ['a token without ver', () => `Bearer ${jwt({ sub: String(customer.user.id), exp: now() + 600 })}`],
  ['a token with a stale ver', () => `Bearer ${jwt(claims(customer, { ver: customer.user.tokenVersion + 1 }))}`],
  [
    'a token with ver as a string',
    () => `Bearer ${jwt(claims(customer, { ver: String(customer.user.tokenVersion) }))}`,
  ],
  ['a token of a deactivated user', () => `Bearer ${jwt(claims(deactivated))}`],
  ['a token whose payload is not JSON', () => `Bearer ${tamper(jwt(claims(customer)), 'not json')}`],
];

/** The same signature over a different payload: what a client gets by editing its own token. */
function tamper(token: string, payload?: string): string {
  const [header, body, signature] = token.split('.') as [string, string, string];
  const decoded = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Record<string, unknown>;
  const changed = payload ?? JSON.stringify({ ...decoded, admin: true });
  return `${header}.${Buffer.from(changed).toString('base64url')}.${signature}`;
}

const call = (route: (typeof routes)[number], authorization: string | undefined) => {
  const [method, url, payload] = route;
  return send({ method, url: url(), payload, headers: authorization === undefined ? {} : { authorization } });
};

describe('a valid hand-built token', () => {
  it('works, so the forged ones below fail for what is wrong with them', async () => {
    const res = await send({
      method: 'GET',
      url: '/api/users/me',
      headers: { authorization: `Bearer ${jwt(claims(customer))}` },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ data: { id: customer.user.id } });
  });
});

describe('every route behind a token', () => {
  it('answers no Authorization header with 401 Not authenticated', async () => {
    for (const route of routes.filter(([, url]) => url() !== '/api/users')) {
      const res = await call(route, undefined);
      expect(res.status, `${route[0]} ${route[1]()}`).toBe(401);
      expect(res.body).toEqual({ detail: 'Not authenticated' });
      expect(res.headers['www-authenticate']).toBe('Bearer');
    }
  });

  it.each(headers)('answers %s with 401 and WWW-Authenticate: Bearer', async (_label, authorization) => {
    for (const route of routes) {
      const res = await call(route, authorization());
      const where = `${route[0]} ${route[1]()}`;
      expect(res.status, `${where}: ${JSON.stringify(res.body)}`).toBe(401);
      expect(res.body, where).toEqual({
        detail: expect.stringMatching(/^(Not authenticated|Could not validate credentials)$/),
      });
      expect(res.headers['www-authenticate'], where).toBe('Bearer');
    }
  });
});

describe('the order of checks', () => {
  it.each([
    ['malformed JSON', 'application/json', '{"subject":'],
    ['a body over 1 MiB', 'application/json', JSON.stringify({ text: 'x'.repeat(2 * 1024 * 1024) })],
    ['an unsupported media type', 'text/csv', 'a,b'],
  ])('checks the token before the body: %s without a token is a 401', async (_label, contentType, payload) => {
    for (const route of routes.filter(([method, url]) => method !== 'GET' && url() !== '/api/users')) {
      const res = await send({ method: route[0], url: route[1](), headers: { 'content-type': contentType }, payload });
      expect(res.status, `${route[0]} ${route[1]()}`).toBe(401);
      expect(res.body).toEqual({ detail: 'Not authenticated' });
    }
  });
});

expectUnharmed(() => ctx, serverErrors);
