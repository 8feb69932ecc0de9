import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_PASSWORD, TestContext } from '../helpers/context.js';

/**
 * Issue 10, finding 5: sign-ups had no limit (300 in 11 s, each an argon2 hash). Now they are limited per
 * client address; and RATE_LIMITS=off lifts every limit at once (load tests, benchmarks, bulk imports).
 */

let limited: TestContext;
let unlimited: TestContext;
beforeAll(async () => {
  const small = { LOGIN_RATE_LIMIT_PER_MINUTE: '5', LOGIN_FAILURES_PER_ACCOUNT: '3', SIGNUP_LIMIT_PER_HOUR: '3' };
  [limited, unlimited] = await Promise.all([
    TestContext.create(small),
    TestContext.create({ ...small, RATE_LIMITS: 'off' }),
  ]);
});
afterAll(async () => Promise.all([limited, unlimited].map((ctx) => ctx?.close())));

const login = (ctx: TestContext, username: string, remoteAddress: string, headers: Record<string, string> = {}) =>
  ctx.request({
    method: 'POST',
    url: '/api/auth/token',
    remoteAddress,
    headers: { 'content-type': 'application/json', ...headers },
    payload: { username, password: 'not-the-password' },
  });

let serial = 0;
const signUp = (ctx: TestContext, remoteAddress: string, headers: Record<string, string> = {}) => {
  serial += 1;
  return ctx.request({
    method: 'POST',
    url: '/api/users',
    remoteAddress,
    headers,
    payload: { email: `signup${serial}@example.com`, username: `signup${serial}`, password: 'Sturdy-Lantern-42' },
  });
};

describe('sign-ups', () => {
  it('are limited per client address, with Retry-After; other addresses and admins are not held up', async () => {
    for (let i = 0; i < 3; i++) expect((await signUp(limited, '198.51.100.60')).status).toBe(201);
    const refused = await signUp(limited, '198.51.100.60');
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual({ detail: 'Too many sign-ups from this address, try again later' });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(3000);
    expect((await signUp(limited, '198.51.100.61')).status).toBe(201);
    const admin = await limited.newUser('admin');
    for (let i = 0; i < 4; i++) expect((await signUp(limited, '198.51.100.60', admin.auth)).status).toBe(201);
  });

  it('count a customer with a token like anyone else', async () => {
    const customer = await limited.newUser('customer');
    for (let i = 0; i < 3; i++) expect((await signUp(limited, '198.51.100.62', customer.auth)).status).toBe(201);
    expect((await signUp(limited, '198.51.100.62', customer.auth)).status).toBe(429);
  });
});

describe('RATE_LIMITS=off', () => {
  it('lifts the login limits per address and per account, and the sign-up limit', async () => {
    const { user } = await unlimited.newUser('customer');
    for (let i = 0; i < 12; i++) expect((await login(unlimited, user.username, '198.51.100.70')).status).toBe(401);
    const right = await unlimited.request({
      method: 'POST',
      url: '/api/auth/token',
      remoteAddress: '198.51.100.70',
      payload: { username: user.username, password: TEST_PASSWORD },
    });
    expect(right.status).toBe(200);
    for (let i = 0; i < 6; i++) expect((await signUp(unlimited, '198.51.100.70')).status).toBe(201);
  });

  it('is off unless asked for', () => {
    expect(limited.config.limits.enabled).toBe(true);
    expect(unlimited.config.limits.enabled).toBe(false);
  });
});
