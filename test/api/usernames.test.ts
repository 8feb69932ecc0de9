import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { users } from '../../src/db/schema.js';
import { isSingleScript, normalizeUsername, USERNAME_PATTERN } from '../../src/users/username.js';
import { expectDetail, expectValidation } from '../helpers/answers.js';
import { TEST_PASSWORD, TestContext } from '../helpers/context.js';

/**
 * Usernames are compared in one normalised form (NFKC, then JavaScript's lower case), stored in
 * users.username_normalized: the database's locale plays no part, so PGlite and a C-locale PostgreSQL agree.
 */

let ctx: TestContext;
beforeAll(async () => {
  // Many sign-ups from one client address: the per-address limit is tested on its own (sign-up-limits).
  ctx = await TestContext.create({ SIGNUP_LIMIT_PER_HOUR: '100000' });
});
afterAll(async () => ctx.close());

const PASSWORD = 'a-long-uncommon-passphrase';
const TAKEN = 'Пользователь с таким именем уже зарегистрирован';

const signUp = (username: string) =>
  ctx.request({
    method: 'POST',
    url: '/api/users',
    payload: { email: `${ctx.unique('u')}@example.com`, username, password: PASSWORD },
  });

const login = (username: string, password = PASSWORD) =>
  ctx.request<{ access_token: string }>({ method: 'POST', url: '/api/auth/token', payload: { username, password } });

describe('logging in by username', () => {
  it('works for İstanbul, typed as it was registered', async () => {
    expect((await signUp('İstanbul')).status).toBe(201);
    expect((await login('İstanbul')).status).toBe(200);
  });

  it('works for a name in another case or width', async () => {
    expect((await signUp('Ölaf.Berg')).status).toBe(201);
    for (const typed of ['Ölaf.Berg', 'ölaf.berg', 'ÖLAF.BERG', 'Ölaf．Ｂｅｒｇ']) {
      expect((await login(typed)).status, typed).toBe(200);
    }
  });
});

describe('"taken" is decided on the normalised form', () => {
  it('refuses a fullwidth or other-case spelling of an existing name', async () => {
    expect((await signUp('fwname')).status).toBe(201);
    for (const name of ['ｆｗｎａｍｅ', 'ＦＷＮＡＭＥ', 'FwName']) expectDetail(await signUp(name), 400, TAKEN);
  });

  it('keeps one account when two spellings of a name race', async () => {
    const results = await Promise.all(['racer.x', 'ＲＡＣＥＲ.Ｘ', 'Racer.X', 'ｒａｃｅｒ.ｘ'].map(signUp));
    expect(results.map((r) => r.status).sort()).toEqual([201, 400, 400, 400]);
    for (const r of results.filter((r) => r.status === 400)) expect(r.body).toEqual({ detail: TAKEN });
  });

  it('refuses renaming to a spelling of someone else’s name, but not of one’s own', async () => {
    const me = await ctx.newUser('customer', { username: 'renamer' });
    await ctx.newUser('customer', { username: 'occupied' });
    const rename = (username: string) =>
      ctx.request({ method: 'PATCH', url: `/api/users/${me.user.id}`, headers: me.auth, payload: { username } });
    expectDetail(await rename('ＯＣＣＵＰＩＥＤ'), 400, TAKEN);
    const own = await rename('ＲＥＮＡＭＥＲ');
    expect(own.status).toBe(200);
    expect(own.body).toMatchObject({ data: { username: 'ＲＥＮＡＭＥＲ' } });
    expect((await login('renamer', TEST_PASSWORD)).status).toBe(200);
  });
});

describe('one script per name unless it is ASCII', () => {
  it.each(['аdmin', 'pаypal', 'alphaβ', 'ивanov'])('refuses %s with a 422 at ["body", "username"]', async (name) => {
    expectValidation(await signUp(name), ['body', 'username'], 'username_mixed_scripts');
  });

  it('refuses it on a rename too', async () => {
    const me = await ctx.newUser('customer');
    const res = await ctx.request({
      method: 'PATCH',
      url: `/api/users/${me.user.id}`,
      headers: me.auth,
      payload: { username: 'rеnamed' },
    });
    expectValidation(res, ['body', 'username'], 'username_mixed_scripts');
  });

  it.each(['やまだ太郎', 'ヤマダ_2', '김철수', '金철수', 'иван.петров', 'Σωκράτης', 'john_doe-1.0'])(
    'takes %s',
    async (name) => {
      expect((await signUp(name)).status).toBe(201);
    },
  );
});

describe('accounts we create ourselves', () => {
  it('get valid, normalised names of one script from any address', async () => {
    const { users: service } = ctx.app.services;
    for (const address of ['аdmin.Ölaf@example.com', 'ＪＯＨＮ@example.com', 'x@example.com', 'İSTANBUL@example.com']) {
      const account = await service.accountForAddress(ctx.db, address);
      expect(account.username).toMatch(new RegExp(USERNAME_PATTERN, 'u'));
      expect(isSingleScript(account.username)).toBe(true);
      expect(normalizeUsername(account.username)).toBe(account.username);
      expect(account.usernameNormalized).toBe(account.username);
    }
  });
});

describe('rows normalised by the migration in SQL', () => {
  it('are normalised again in JavaScript at start-up, so their owners log in by username', async () => {
    const row = await ctx.newUser('customer', { username: 'İzmir', email: 'izmir@example.com' });
    // What the migration's lower(normalize(…, NFKC)) leaves on a C-locale database.
    await ctx.db.update(users).set({ usernameNormalized: sql`'İzmir'` }).where(eq(users.id, row.user.id));
    expect((await login('İzmir', TEST_PASSWORD)).status).toBe(401);
    expect(await ctx.app.services.users.renormalizeUsernames()).toBe(1);
    expect((await login('İzmir', TEST_PASSWORD)).status).toBe(200);
    expect(await ctx.app.services.users.renormalizeUsernames()).toBe(0);
  });
});
