import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectValidation } from '../helpers/answers.js';
import { TEST_PASSWORD, TestContext, type TestUser } from '../helpers/context.js';

/**
 * New passwords (NIST 800-63B): at least 10 characters and not on the list of common passwords, ignoring
 * case; a refusal is FastAPI's 422 at ["body", "password"], never a 400 or a 500.
 */

let ctx: TestContext;
beforeAll(async () => {
  ctx = await TestContext.create();
});
afterAll(async () => ctx.close());

const signUp = (password: string, headers: Record<string, string> = {}, role?: string) => {
  const name = ctx.unique('pw');
  return ctx.request({
    method: 'POST',
    url: '/api/users',
    headers,
    payload: { email: `${name}@example.com`, username: name, password, ...(role ? { role } : {}) },
  });
};

const login = (username: string, password: string) =>
  ctx.request({ method: 'POST', url: '/api/auth/token', payload: { username, password } });

describe('sign-up', () => {
  it('refuses a password of 9 characters', async () => {
    expectValidation(await signUp('abcdefghi'), ['body', 'password'], 'string_too_short');
    expect((await signUp('abcdefghij')).status).toBe(201);
  });

  it.each(['12345678', 'password123', 'Password123', 'QWERTYUIOP', '1234567890', 'iloveyou12'])(
    'refuses the common password %s',
    async (password) => {
      const res = await signUp(password);
      expectValidation(res, ['body', 'password'], password.length < 10 ? 'string_too_short' : 'password_too_common');
    },
  );

  it('says why in the msg, and refuses it for an admin creating staff too', async () => {
    const admin = await ctx.newUser('admin');
    const res = await signUp('password123', admin.auth, 'operator');
    expect(res.status).toBe(422);
    expect(res.body).toEqual({
      detail: [
        {
          loc: ['body', 'password'],
          msg: 'This password is on a list of commonly used passwords; choose another',
          type: 'password_too_common',
        },
      ],
    });
  });
});

describe('PATCH /api/users/{id}', () => {
  let me: TestUser;
  beforeAll(async () => {
    me = await ctx.newUser('customer');
  });

  const change = (password: string) =>
    ctx.request({
      method: 'PATCH',
      url: `/api/users/${me.user.id}`,
      headers: me.auth,
      payload: { password, current_password: TEST_PASSWORD },
    });

  it('refuses a short or common new password, and keeps the old one', async () => {
    expectValidation(await change('short-pw'), ['body', 'password'], 'string_too_short');
    expectValidation(await change('Qwertyuiop123'), ['body', 'password'], 'password_too_common');
    expect((await login(me.user.username, TEST_PASSWORD)).status).toBe(200);
  });

  it('takes a long uncommon one', async () => {
    expect((await change('a-much-better-passphrase')).status).toBe(200);
    expect((await login(me.user.username, 'a-much-better-passphrase')).status).toBe(200);
  });
});
