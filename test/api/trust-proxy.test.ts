import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestContext } from '../helpers/context.js';

/**
 * Issue 10, finding 4: with TRUST_PROXY=true a client-chosen X-Forwarded-For reset the per-address login
 * limit, and the setting could not name the proxies. Now it takes their addresses/CIDRs or a hop count, and
 * X-Forwarded-For is believed only as far as they vouch for it.
 */

const PROXY = '10.0.0.1';
let behindProxy: TestContext;
let oneHop: TestContext;
beforeAll(async () => {
  const small = { LOGIN_RATE_LIMIT_PER_MINUTE: '5' };
  [behindProxy, oneHop] = await Promise.all([
    TestContext.create({ ...small, TRUST_PROXY: `${PROXY}, 10.0.1.0/24` }),
    TestContext.create({ ...small, TRUST_PROXY: '1' }),
  ]);
});
afterAll(async () => Promise.all([behindProxy, oneHop].map((ctx) => ctx?.close())));

const login = (ctx: TestContext, username: string, remoteAddress: string, headers: Record<string, string> = {}) =>
  ctx.request({
    method: 'POST',
    url: '/api/auth/token',
    remoteAddress,
    headers: { 'content-type': 'application/json', ...headers },
    payload: { username, password: 'not-the-password' },
  });

describe('TRUST_PROXY', () => {
  it('ignores X-Forwarded-For from a peer that is not a listed proxy: the per-address limit holds', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      const forged = { 'x-forwarded-for': `192.0.2.${i + 1}` };
      const res = await login(behindProxy, `someone${i}`, '198.51.100.50', forged);
      statuses.push(res.status);
      if (res.status === 429) expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429, 429]);
  });

  it('believes the listed proxies: clients behind them are told apart', async () => {
    for (let i = 0; i < 8; i++) {
      const via = i % 2 === 0 ? PROXY : '10.0.1.77';
      const res = await login(behindProxy, `other${i}`, via, { 'x-forwarded-for': `192.0.2.${100 + i}` });
      expect(res.status).toBe(401);
    }
  });

  it('with a hop count, takes the address the last proxy saw, not what the client wrote before it', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) {
      const chain = { 'x-forwarded-for': `192.0.2.${i + 1}, 198.51.100.51` };
      statuses.push((await login(oneHop, `hop${i}`, '10.0.0.9', chain)).status);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429]);
  });
});
