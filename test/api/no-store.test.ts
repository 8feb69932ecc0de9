import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_PASSWORD, TestContext, type TestUser } from '../helpers/context.js';

/**
 * Answers for a caller (and the login route's, which carry tokens) must not be kept by a browser or a shared
 * cache: `Cache-Control: no-store`. Swagger UI's files are the same for everyone and may be cached.
 */

let ctx: TestContext;
let customer: TestUser;

beforeAll(async () => {
  ctx = await TestContext.create();
  customer = await ctx.newUser('customer');
});
afterAll(async () => ctx.close());

const cacheControl = (res: { headers: Record<string, unknown> }) => res.headers['cache-control'];

describe('Cache-Control: no-store', () => {
  it('on authenticated answers, successes and errors alike', async () => {
    const ticket = await ctx.newTicket(customer);
    const answers = [
      await ctx.request({ method: 'GET', url: '/api/users/me', headers: customer.auth }),
      await ctx.request({ method: 'GET', url: '/api/tickets', headers: customer.auth }),
      await ctx.request({ method: 'GET', url: `/api/tickets/${ticket.id}`, headers: customer.auth }),
      await ctx.request({ method: 'GET', url: '/api/tickets/2147483647', headers: customer.auth }),
      await ctx.request({ method: 'GET', url: '/api/tickets?limit=0', headers: customer.auth }),
      await ctx.request({
        method: 'POST',
        url: '/api/tickets',
        headers: customer.auth,
        payload: { subject: 'Printer', description: 'Jammed' },
      }),
      await ctx.request({ method: 'GET', url: '/api/users/me', headers: { authorization: 'Bearer not.a.token' } }),
      await ctx.request({ method: 'GET', url: '/api/users/me' }),
    ];
    expect(answers.map((res) => res.status)).toEqual([200, 200, 200, 404, 422, 201, 401, 401]);
    for (const res of answers) expect(cacheControl(res)).toBe('no-store');
  });

  it("on the login route's answers: the token, and a refusal", async () => {
    const ok = await ctx.request({
      method: 'POST',
      url: '/api/auth/token',
      payload: { username: customer.user.username, password: TEST_PASSWORD },
    });
    expect(ok.status).toBe(200);
    expect(cacheControl(ok)).toBe('no-store');
    const refused = await ctx.request({
      method: 'POST',
      url: '/api/auth/token',
      payload: { username: customer.user.username, password: 'wrong-password' },
    });
    expect(refused.status).toBe(401);
    expect(cacheControl(refused)).toBe('no-store');
  });

  it("not on Swagger UI's static files", async () => {
    const asset = await ctx.request({ method: 'GET', url: '/api/docs/static/swagger-ui-bundle.js' });
    expect(asset.status).toBe(200);
    expect(cacheControl(asset)).not.toBe('no-store');
  });
});
