import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TicketRow } from '../../src/db/schema.js';
import { expectUnharmed, expectValidation, recordingSender } from '../helpers/answers.js';
import { type Response as Res, TEST_PASSWORD, TestContext, type TestUser } from '../helpers/context.js';
import { newWorld } from '../helpers/world.js';

/**
 * Invalid JSON bodies on every route that takes one: each answer is a 422 with FastAPI's detail list, at the
 * field that is wrong, for a customer's token and an operator's alike; nothing a client sends is a 500.
 */

let ctx: TestContext;
let customer: TestUser;
let operator: TestUser;
let ticket: TicketRow;
const { send, serverErrors } = recordingSender(() => ctx);

beforeAll(async () => {
  ctx = await TestContext.create({ LOGIN_RATE_LIMIT_PER_MINUTE: '100000', SIGNUP_LIMIT_PER_HOUR: '100000' });
  ({ owner: customer, operator, ticket } = await newWorld(ctx));
});
afterAll(async () => ctx.close());

type Who = 'customer' | 'operator';
interface BodyRoute {
  method: 'POST' | 'PATCH';
  url: (caller: TestUser) => string;
  /** Who calls it; public routes are called without a token. */
  callers: Who[] | 'public';
  /** A body the route accepts; the generic cases break it. */
  valid: Record<string, unknown>;
}

const routes = {
  'POST /api/tickets': {
    method: 'POST',
    url: () => '/api/tickets',
    callers: ['customer', 'operator'],
    valid: { subject: 'Printer', description: 'Broken' },
  },
  'PATCH /api/tickets/{id}': {
    method: 'PATCH',
    url: () => `/api/tickets/${ticket.id}`,
    callers: ['customer', 'operator'],
    valid: { status: 'closed' },
  },
  'POST /api/tickets/{id}/messages': {
    method: 'POST',
    url: () => `/api/tickets/${ticket.id}/messages`,
    callers: ['customer', 'operator'],
    valid: { text: 'Hello' },
  },
  'POST /api/users': {
    method: 'POST',
    url: () => '/api/users',
    callers: 'public',
    valid: { email: 'new@example.com', username: 'newuser', password: 'long-enough-password' },
  },
  'PATCH /api/users/{id}': {
    method: 'PATCH',
    url: (caller) => `/api/users/${caller.user.id}`,
    callers: ['customer', 'operator'],
    valid: { username: 'renamed' },
  },
  'POST /api/auth/token': {
    method: 'POST',
    url: () => '/api/auth/token',
    callers: 'public',
    valid: { username: 'someone', password: 'whatever' },
  },
} satisfies Record<string, BodyRoute>;
type RouteName = keyof typeof routes;
const routeNames = Object.keys(routes) as RouteName[];

/** Sends a JSON text (not an object, so null, arrays and strings go out as they are) as each caller. */
async function sendAs(route: BodyRoute, payload: string, check: (res: Res<unknown>) => void): Promise<void> {
  const callers: (TestUser | undefined)[] =
    route.callers === 'public' ? [undefined] : route.callers.map((who) => (who === 'customer' ? customer : operator));
  for (const caller of callers) {
    const res = await send({
      method: route.method,
      url: route.url(caller ?? customer),
      headers: { 'content-type': 'application/json', ...(caller?.auth ?? {}) },
      payload,
    });
    check(res);
  }
}

describe.each(routeNames)('%s: a body that is not the documented object', (name) => {
  const route: BodyRoute = routes[name];
  it.each([
    ['null', null],
    ['an empty array', []],
    ['an array holding a valid body', [route.valid]],
    ['a string', 'subject'],
    ['a number', 42],
    ['a boolean', true],
  ])('is a 422 at ["body"] for %s', async (_label, body) => {
    await sendAs(route, JSON.stringify(body), (res) => expectValidation(res, ['body'], 'object_type'));
  });

  it('reports an unknown field as extra_forbidden at its name', async () => {
    await sendAs(route, JSON.stringify({ ...route.valid, bogus: 1 }), (res) =>
      expectValidation(res, ['body', 'bogus'], 'extra_forbidden'),
    );
  });

  it('reports a field name in the wrong case as unknown', async () => {
    const [key, value] = Object.entries(route.valid)[0] as [string, unknown];
    const upper = key.toUpperCase();
    await sendAs(route, JSON.stringify({ ...route.valid, [upper]: value }), (res) =>
      expectValidation(res, ['body', upper], 'extra_forbidden'),
    );
  });
});

type Case = [label: string, body: Record<string, unknown>, loc: (string | number)[], type: string | undefined];
const long = (n: number) => 'x'.repeat(n);
const ticketBody = { subject: 'Subject', description: 'Description' };
const signUp = { email: 'someone@example.com', username: 'someone', password: 'long-enough-password' };
const login = { username: 'someone', password: 'whatever' };

const fieldCases: Record<RouteName, Case[]> = {
  'POST /api/tickets': [
    ['subject as a number', { ...ticketBody, subject: 123 }, ['body', 'subject'], 'string_type'],
    ['subject as null', { ...ticketBody, subject: null }, ['body', 'subject'], 'string_type'],
    ['description as an array', { ...ticketBody, description: ['x'] }, ['body', 'description'], 'string_type'],
    ['description as an object', { ...ticketBody, description: { text: 'x' } }, ['body', 'description'], 'string_type'],
    ['no subject', { description: 'x' }, ['body', 'subject'], 'missing'],
    ['no description', { subject: 'x' }, ['body', 'description'], 'missing'],
    ['an empty subject', { ...ticketBody, subject: '' }, ['body', 'subject'], 'string_too_short'],
    ['a blank subject', { ...ticketBody, subject: '   ' }, ['body', 'subject'], 'string_pattern_mismatch'],
    ['a whitespace subject', { ...ticketBody, subject: '\t\r\n ' }, ['body', 'subject'], 'string_pattern_mismatch'],
    ['a Unicode-space subject', { ...ticketBody, subject: '\u00a0\u2003' }, ['body', 'subject'], undefined],
    ['a blank description', { ...ticketBody, description: ' \n' }, ['body', 'description'], undefined],
    ['NUL in the subject', { ...ticketBody, subject: 'a\u0000b' }, ['body', 'subject'], 'string_pattern_mismatch'],
    ['NUL in the description', { ...ticketBody, description: '\u0000' }, ['body', 'description'], undefined],
    ['a 256-character subject', { ...ticketBody, subject: long(256) }, ['body', 'subject'], 'string_too_long'],
    [
      'a 50,001-character description',
      { ...ticketBody, description: long(50_001) },
      ['body', 'description'],
      'string_too_long',
    ],
    ['creator_id as a string', { ...ticketBody, creator_id: '5' }, ['body', 'creator_id'], 'integer_type'],
    ['creator_id as a boolean', { ...ticketBody, creator_id: true }, ['body', 'creator_id'], 'integer_type'],
    ['creator_id 1.5', { ...ticketBody, creator_id: 1.5 }, ['body', 'creator_id'], 'integer_type'],
    ['creator_id 0', { ...ticketBody, creator_id: 0 }, ['body', 'creator_id'], 'greater_than_equal'],
    ['creator_id past int4', { ...ticketBody, creator_id: 99_999_999_999 }, ['body', 'creator_id'], 'less_than_equal'],
  ],
  'PATCH /api/tickets/{id}': [
    ['an empty object', {}, ['body'], 'missing'],
    ['status foo', { status: 'foo' }, ['body', 'status'], 'enum'],
    ['status in upper case', { status: 'OPEN' }, ['body', 'status'], 'enum'],
    ['status null', { status: null }, ['body', 'status'], undefined],
    ['status with NUL', { status: 'open\u0000' }, ['body', 'status'], 'enum'],
    ['operator_id as a string', { operator_id: '5' }, ['body', 'operator_id'], undefined],
    ['operator_id 1.5', { operator_id: 1.5 }, ['body', 'operator_id'], undefined],
    ['operator_id 0', { operator_id: 0 }, ['body', 'operator_id'], undefined],
    ['operator_id -1', { operator_id: -1 }, ['body', 'operator_id'], undefined],
    ['operator_id as an array', { operator_id: [1] }, ['body', 'operator_id'], undefined],
    ['operator_id past int4', { operator_id: 2_147_483_648 }, ['body', 'operator_id'], undefined],
  ],
  'POST /api/tickets/{id}/messages': [
    ['no text', {}, ['body', 'text'], 'missing'],
    ['text as a number', { text: 123 }, ['body', 'text'], 'string_type'],
    ['an empty text', { text: '' }, ['body', 'text'], 'string_too_short'],
    ['a blank text', { text: ' \n\t ' }, ['body', 'text'], 'string_pattern_mismatch'],
    ['NUL in the text', { text: 'hello\u0000' }, ['body', 'text'], 'string_pattern_mismatch'],
    ['a 50,001-character text', { text: long(50_001) }, ['body', 'text'], 'string_too_long'],
    ['internal "yes"', { text: 'x', internal: 'yes' }, ['body', 'internal'], 'boolean_type'],
    ['internal "true"', { text: 'x', internal: 'true' }, ['body', 'internal'], 'boolean_type'],
    ['internal 1', { text: 'x', internal: 1 }, ['body', 'internal'], 'boolean_type'],
    ['internal null', { text: 'x', internal: null }, ['body', 'internal'], 'boolean_type'],
  ],
  'POST /api/users': [
    ['no email', { username: 'someone', password: signUp.password }, ['body', 'email'], 'missing'],
    ['no password', { email: signUp.email, username: 'someone' }, ['body', 'password'], 'missing'],
    ['no username', { email: signUp.email, password: signUp.password }, ['body', 'username'], 'missing'],
    ...['not-an-email', 'a@', '@example.com', 'a b@example.com', 'a@b@example.com', '', 'a@example.com\u0000'].map(
      (email): Case => [`email ${JSON.stringify(email)}`, { ...signUp, email }, ['body', 'email'], undefined],
    ),
    ['a 255-character email', { ...signUp, email: `${long(243)}@example.com` }, ['body', 'email'], undefined],
    ['email as a number', { ...signUp, email: 5 }, ['body', 'email'], 'string_type'],
    ['an empty password', { ...signUp, password: '' }, ['body', 'password'], 'string_too_short'],
    ['a 7-character password', { ...signUp, password: '1234567' }, ['body', 'password'], 'string_too_short'],
    ['a 129-character password', { ...signUp, password: long(129) }, ['body', 'password'], 'string_too_long'],
    ['NUL in the password', { ...signUp, password: 'password\u0000x' }, ['body', 'password'], undefined],
    ['a numeric password', { ...signUp, password: 12_345_678 }, ['body', 'password'], 'string_type'],
    ...['user@name', 'has space', 'tab\tname', 'ab', long(51), 'nul\u0000name', '<script>', 'smile😀', ''].map(
      (username): Case => [
        `username ${JSON.stringify(username)}`,
        { ...signUp, username },
        ['body', 'username'],
        undefined,
      ],
    ),
    ['role superuser', { ...signUp, role: 'superuser' }, ['body', 'role'], undefined],
    ['role null', { ...signUp, role: null }, ['body', 'role'], undefined],
  ],
  'PATCH /api/users/{id}': [
    ['an empty object', {}, ['body'], 'missing'],
    ['is_active "false"', { is_active: 'false' }, ['body', 'is_active'], 'boolean_type'],
    ['role root', { role: 'root' }, ['body', 'role'], undefined],
    ['an email (not changeable)', { email: 'x@example.com' }, ['body', 'email'], 'extra_forbidden'],
    ['a username with a space', { username: 'a b' }, ['body', 'username'], 'string_pattern_mismatch'],
    ['a username with "@"', { username: 'me@home' }, ['body', 'username'], 'string_pattern_mismatch'],
    [
      'a short password',
      { password: 'short', current_password: TEST_PASSWORD },
      ['body', 'password'],
      'string_too_short',
    ],
    [
      'NUL in current_password',
      { password: 'long-enough', current_password: 'a\u0000' },
      ['body', 'current_password'],
      undefined,
    ],
    [
      'a 129-character current_password',
      { password: 'long-enough', current_password: long(129) },
      ['body', 'current_password'],
      'string_too_long',
    ],
  ],
  'POST /api/auth/token': [
    ['an empty object', {}, ['body', 'username'], 'missing'],
    ['no password', { username: 'someone' }, ['body', 'password'], 'missing'],
    ['username as a number', { ...login, username: 1 }, ['body', 'username'], 'string_type'],
    ['an empty username', { ...login, username: '' }, ['body', 'username'], 'string_too_short'],
    ['NUL in the username', { ...login, username: 'a\u0000' }, ['body', 'username'], 'string_pattern_mismatch'],
    ['NUL in the password', { ...login, password: 'a\u0000' }, ['body', 'password'], 'string_pattern_mismatch'],
    ['a 129-character password', { ...login, password: long(129) }, ['body', 'password'], 'string_too_long'],
    [
      'grant_type client_credentials',
      { ...login, grant_type: 'client_credentials' },
      ['body', 'grant_type'],
      undefined,
    ],
  ],
};

describe.each(routeNames)('%s: a wrong field', (name) => {
  const route: BodyRoute = routes[name];
  it.each(fieldCases[name])('is a 422 at the field for %s', async (_label, body, loc, type) => {
    await sendAs(route, JSON.stringify(body), (res) => expectValidation(res, loc, type));
  });
});

describe('POST /api/auth/token as a form', () => {
  it.each([
    ['no password', 'username=someone', ['body', 'password'], 'missing'],
    ['a repeated username', 'username=a&username=b&password=c', ['body', 'username'], 'string_type'],
    ['an unknown field', 'username=a&password=b&foo=1', ['body', 'foo'], 'extra_forbidden'],
    ['a __proto__ field', 'username=a&password=b&__proto__=x', ['body', '__proto__'], 'extra_forbidden'],
    ['NUL in the password', 'username=a&password=b%00', ['body', 'password'], 'string_pattern_mismatch'],
  ])('is a 422 at the field for %s', async (_label, payload, loc, type) => {
    const res = await send({
      method: 'POST',
      url: '/api/auth/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload,
    });
    expectValidation(res, loc as string[], type);
  });
});

describe('the same routes with valid bodies', () => {
  it('accept them, so the cases above fail only for the part they break', async () => {
    const fresh = ctx.unique('fresh');
    const results = [
      await send({ method: 'POST', url: '/api/tickets', headers: customer.auth, payload: ticketBody }),
      await send({
        method: 'PATCH',
        url: `/api/tickets/${ticket.id}`,
        headers: operator.auth,
        payload: { status: 'in_progress', operator_id: null },
      }),
      await send({
        method: 'POST',
        url: `/api/tickets/${ticket.id}/messages`,
        headers: customer.auth,
        payload: { text: 'Hi' },
      }),
      await send({
        method: 'POST',
        url: '/api/users',
        payload: { ...signUp, email: `${fresh}@example.com`, username: fresh },
      }),
      await send({
        method: 'PATCH',
        url: `/api/users/${customer.user.id}`,
        headers: customer.auth,
        payload: { username: `${fresh}x` },
      }),
      await send({
        method: 'POST',
        url: '/api/auth/token',
        payload: { username: operator.user.email, password: TEST_PASSWORD },
      }),
    ];
    expect(results.map((r) => r.status)).toEqual([201, 200, 201, 201, 200, 200]);
  });
});

expectUnharmed(() => ctx, serverErrors);
