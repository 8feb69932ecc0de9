import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_PASSWORD, TestContext } from '../helpers/context.js';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await TestContext.create({ LOGIN_FAILURES_PER_ACCOUNT: '3', LOGIN_RATE_LIMIT_PER_MINUTE: '15' });
});
afterAll(async () => ctx.close());

// Each login comes from its own address unless a test says otherwise, so the per-address limit
// only bites in the test about it.
let address = 0;
const form = (fields: Record<string, string>) => ({
  remoteAddress: `10.0.${Math.floor(++address / 250)}.${address % 250}`,
  method: 'POST' as const,
  url: '/api/auth/token',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  payload: new URLSearchParams(fields).toString(),
});

type Token = { access_token: string; token_type: string; expires_in: number };

describe('POST /api/auth/token', () => {
  it('logs in with a form (Swagger Authorize) by username, and the token works', async () => {
    const { user } = await ctx.newUser('customer');
    const res = await ctx.request<Token>(
      form({ grant_type: 'password', username: user.username, password: TEST_PASSWORD }),
    );
    expect(res.status).toBe(200);
    expect(res.body.token_type).toBe('bearer');
    expect(res.body.expires_in).toBe(3600);
    const me = await ctx.request({
      method: 'GET',
      url: '/api/users/me',
      headers: { authorization: `Bearer ${res.body.access_token}` },
    });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ data: { id: user.id } });
  });

  it('logs in with JSON by email, case-insensitively', async () => {
    const { user } = await ctx.newUser('operator');
    const res = await ctx.request<Token>({
      method: 'POST',
      url: '/api/auth/token',
      payload: { username: user.email.toUpperCase(), password: TEST_PASSWORD },
    });
    expect(res.status).toBe(200);
    expect(res.body.access_token.split('.')).toHaveLength(3);
  });

  it('answers a wrong password, an unknown account and an inactive account alike', async () => {
    const { user } = await ctx.newUser('customer');
    const inactive = await ctx.newUser('customer');
    await ctx.request({
      method: 'PATCH',
      url: `/api/users/${inactive.user.id}`,
      headers: (await ctx.newUser('admin')).auth,
      payload: { is_active: false },
    });
    const answers = await Promise.all([
      ctx.request(form({ username: user.username, password: 'wrong-password' })),
      ctx.request(form({ username: 'nobody-here', password: 'wrong-password' })),
      ctx.request(form({ username: inactive.user.username, password: TEST_PASSWORD })),
    ]);
    for (const res of answers) {
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ detail: 'Incorrect username or password' });
      expect(res.headers['www-authenticate']).toBe('Bearer');
    }
  });

  it('holds an address back after repeated failures, with Retry-After, known or unknown alike', async () => {
    const { user } = await ctx.newUser('customer');
    for (const [account, remoteAddress] of [
      [user.username, '10.8.0.1'],
      ['ghost-account', '10.8.0.2'],
    ] as const) {
      for (let i = 0; i < 3; i++) {
        const res = await ctx.request({ ...form({ username: account, password: 'nope-nope' }), remoteAddress });
        expect(res.status).toBe(401);
      }
      const locked = await ctx.request({ ...form({ username: account, password: TEST_PASSWORD }), remoteAddress });
      expect(locked.status).toBe(429);
      expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
      expect(locked.body).toEqual({ detail: 'Too many login attempts, try again later' });
    }
  });

  it('limits login attempts per client address', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) {
      const res = await ctx.request({
        ...form({ username: `x${i}`, password: 'whatever1' }),
        remoteAddress: '10.9.9.9',
      });
      statuses.push(res.status);
      if (res.status === 429) expect(res.headers['retry-after']).toBeDefined();
    }
    expect(statuses).toContain(429);
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(15);
  });

  it('rejects a missing password with 422', async () => {
    const res = await ctx.request({ method: 'POST', url: '/api/auth/token', payload: { username: 'someone' } });
    expect(res.status).toBe(422);
    expect(res.body).toEqual({ detail: [{ loc: ['body', 'password'], msg: 'Field required', type: 'missing' }] });
  });
});

describe('tokens', () => {
  it('stop working after a password change', async () => {
    const alice = await ctx.newUser('customer');
    const changed = await ctx.request({
      method: 'PATCH',
      url: `/api/users/${alice.user.id}`,
      headers: alice.auth,
      payload: { password: 'a-new-password-1', current_password: TEST_PASSWORD },
    });
    expect(changed.status).toBe(200);
    const res = await ctx.request({ method: 'GET', url: '/api/users/me', headers: alice.auth });
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ detail: 'Could not validate credentials' });
    const relogin = await ctx.request(form({ username: alice.user.username, password: 'a-new-password-1' }));
    expect(relogin.status).toBe(200);
  });

  it('stop working when the user is deactivated, though the token is valid and was just accepted', async () => {
    const bob = await ctx.newUser('operator');
    const admin = await ctx.newUser('admin');
    // Accepted first, so this process has verified (and remembered) the token before the account changes.
    for (const url of ['/api/tickets', '/api/users/me']) {
      expect((await ctx.request({ method: 'GET', url, headers: bob.auth })).status).toBe(200);
    }
    await ctx.request({
      method: 'PATCH',
      url: `/api/users/${bob.user.id}`,
      headers: admin.auth,
      payload: { is_active: false },
    });
    for (const url of ['/api/tickets', '/api/users/me']) {
      const res = await ctx.request({ method: 'GET', url, headers: bob.auth });
      expect(res.status, url).toBe(401);
      expect(res.body).toEqual({ detail: 'Could not validate credentials' });
    }
  });

  it('are required on protected routes', async () => {
    const res = await ctx.request({ method: 'GET', url: '/api/tickets' });
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ detail: 'Not authenticated' });
    expect(res.headers['www-authenticate']).toBe('Bearer');
  });
});
