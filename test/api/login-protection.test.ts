import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_PASSWORD, TestContext } from '../helpers/context.js';

/**
 * Issue 10, finding 4: anyone could lock any account out of login (the admin included) with 11 wrong
 * passwords; username and email were separate counters. Now the limits are keyed by the account and the
 * client address, and they slow the guessing address down with growing delays instead of locking the owner.
 */

let ctx: TestContext;
beforeAll(async () => {
  // The defaults an installation runs with: 10 failures per account and address, 20 attempts per minute.
  ctx = await TestContext.create({});
});
afterAll(async () => ctx.close());

const login = (username: string, password: string, remoteAddress: string) =>
  ctx.request({
    method: 'POST',
    url: '/api/auth/token',
    remoteAddress,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ username, password }).toString(),
  });

const until = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('login protection', () => {
  it('slows the guessing address down and lets the admin in from another address', async () => {
    const { user: admin } = await ctx.newUser('admin');
    const attacker = '203.0.113.7';
    for (let i = 0; i < 10; i++) expect((await login(admin.username, `guess-${i}`, attacker)).status).toBe(401);
    const refused = await login(admin.username, TEST_PASSWORD, attacker);
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.body).toEqual({ detail: 'Too many login attempts, try again later' });

    // The owner, from the office: straight in.
    expect((await login(admin.email, TEST_PASSWORD, '198.51.100.20')).status).toBe(200);

    // The attacker's waits grow: 1 s, then 2 s after the next wrong guess.
    await until(1_100);
    expect((await login(admin.username, 'guess-10', attacker)).status).toBe(401);
    const longer = await login(admin.username, 'guess-11', attacker);
    expect(longer.status).toBe(429);
    expect(longer.headers['retry-after']).toBe('2');
  });

  it('counts the username and the email of one account together', async () => {
    const { user } = await ctx.newUser('customer');
    const address = '203.0.113.8';
    for (let i = 0; i < 5; i++) expect((await login(user.username, `wrong-${i}`, address)).status).toBe(401);
    for (let i = 0; i < 5; i++) expect((await login(user.email, `wrong-${i}`, address)).status).toBe(401);
    expect((await login(user.email.toUpperCase(), TEST_PASSWORD, address)).status).toBe(429);
    expect((await login(user.username, TEST_PASSWORD, address)).status).toBe(429);
  });

  it('treats an unknown login exactly like an account', async () => {
    const { user } = await ctx.newUser('customer');
    const answers = [];
    for (const [name, address] of [
      [user.username, '203.0.113.9'],
      ['nobody-by-this-name', '203.0.113.99'],
    ] as const) {
      for (let i = 0; i < 10; i++) expect((await login(name, `wrong-${i}`, address)).status).toBe(401);
      const refused = await login(name, 'wrong-again', address);
      answers.push({ status: refused.status, retryAfter: refused.headers['retry-after'], body: refused.body });
    }
    expect(answers[0]).toEqual(answers[1]);
    expect(answers[0]?.status).toBe(429);
  });

  it('clears the address after a successful login', async () => {
    const { user } = await ctx.newUser('customer');
    const address = '203.0.113.10';
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 5; i++) expect((await login(user.username, 'typo-typo', address)).status).toBe(401);
      expect((await login(user.username, TEST_PASSWORD, address)).status).toBe(200);
    }
  });
});
