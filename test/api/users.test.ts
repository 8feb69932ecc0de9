import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UserView } from '../../src/users/user-schemas.js';
import { type Ok, type Page, TEST_PASSWORD, TestContext } from '../helpers/context.js';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await TestContext.create();
});
afterAll(async () => ctx.close());

const signUp = (payload: Record<string, unknown>, headers: Record<string, string> = {}) =>
  ctx.request<Ok<UserView>>({ method: 'POST', url: '/api/users', payload, headers });

describe('POST /api/users', () => {
  it('signs up a customer, storing the email lower-cased and never returning the password', async () => {
    const res = await signUp({ email: 'Mixed.Case@Example.com', username: 'mixedcase', password: 'long-enough-1' });
    expect(res.status).toBe(201);
    expect(res.body.data).toMatchObject({ email: 'mixed.case@example.com', username: 'mixedcase', role: 'customer' });
    expect(JSON.stringify(res.body)).not.toMatch(/password|argon2/);
  });

  it('refuses a taken email (any case) and a taken username (any case)', async () => {
    await signUp({ email: 'taken@example.com', username: 'takenname', password: 'long-enough-1' });
    const email = await signUp({ email: 'TAKEN@example.com', username: 'other1', password: 'long-enough-1' });
    expect(email.status).toBe(400);
    expect(email.body).toEqual({ detail: 'Почта с таким именем ужё зарегистрирована' });
    const name = await signUp({ email: 'fresh@example.com', username: 'TakenName', password: 'long-enough-1' });
    expect(name.status).toBe(400);
    expect(name.body).toEqual({ detail: 'Пользователь с таким именем уже зарегистрирован' });
  });

  it('keeps exactly one account when the same sign-up races with itself', async () => {
    const payload = { email: 'race@example.com', username: 'racer', password: 'long-enough-1' };
    const results = await Promise.all([signUp(payload), signUp(payload), signUp(payload)]);
    expect(results.map((r) => r.status).sort()).toEqual([201, 400, 400]);
  });

  it('lets only an admin create staff accounts', async () => {
    const admin = await ctx.newUser('admin');
    const operator = await ctx.newUser('operator');
    const staff = { email: 'op@example.com', username: 'newop', password: 'long-enough-1', role: 'operator' };
    expect((await signUp(staff)).status).toBe(403);
    expect((await signUp(staff, operator.auth)).status).toBe(403);
    const created = await signUp(staff, admin.auth);
    expect(created.status).toBe(201);
    expect(created.body.data.role).toBe('operator');
  });
});

describe('GET /api/users', () => {
  it('lists users for staff, filtered by role', async () => {
    const operator = await ctx.newUser('operator');
    const res = await ctx.request<Page<UserView>>({
      method: 'GET',
      url: '/api/users?role=operator',
      headers: operator.auth,
    });
    expect(res.status).toBe(200);
    expect(res.body.data.length).toBeGreaterThan(0);
    expect(res.body.data.every((u) => u.role === 'operator')).toBe(true);
    expect(res.body.data.map((u) => u.id)).toContain(operator.user.id);
  });

  it('shows a user their own account at /me and by id', async () => {
    const me = await ctx.newUser('customer');
    const byMe = await ctx.request<Ok<UserView>>({ method: 'GET', url: '/api/users/me', headers: me.auth });
    const byId = await ctx.request<Ok<UserView>>({ method: 'GET', url: `/api/users/${me.user.id}`, headers: me.auth });
    expect(byMe.body).toEqual(byId.body);
    expect(byMe.body.message).toBe('Пользователь успешно получен');
  });
});

describe('PATCH /api/users/{id}', () => {
  it('lets a user rename themselves but not change their role', async () => {
    const me = await ctx.newUser('customer');
    const renamed = await ctx.request<Ok<UserView>>({
      method: 'PATCH',
      url: `/api/users/${me.user.id}`,
      headers: me.auth,
      payload: { username: ctx.unique('renamed') },
    });
    expect(renamed.status).toBe(200);
    expect(renamed.body.message).toBe('Пользователь успешно обновлён');
    expect(Date.parse(renamed.body.data.updated_at)).toBeGreaterThanOrEqual(me.user.updatedAt.getTime());
    const promote = await ctx.request({
      method: 'PATCH',
      url: `/api/users/${me.user.id}`,
      headers: me.auth,
      payload: { role: 'admin' },
    });
    expect(promote.status).toBe(403);
  });

  it('requires the current password to change your own', async () => {
    const me = await ctx.newUser('customer');
    const url = `/api/users/${me.user.id}`;
    const missing = await ctx.request({
      method: 'PATCH',
      url,
      headers: me.auth,
      payload: { password: 'brand-new-pass' },
    });
    expect(missing.status).toBe(400);
    expect(missing.body).toEqual({ detail: 'Current password is incorrect' });
    const wrong = await ctx.request({
      method: 'PATCH',
      url,
      headers: me.auth,
      payload: { password: 'brand-new-pass', current_password: 'not-it-at-all' },
    });
    expect(wrong.status).toBe(400);
    const right = await ctx.request({
      method: 'PATCH',
      url,
      headers: me.auth,
      payload: { password: 'brand-new-pass', current_password: TEST_PASSWORD },
    });
    expect(right.status).toBe(200);
  });

  it('lets an admin change roles and reset passwords', async () => {
    const admin = await ctx.newUser('admin');
    const target = await ctx.newUser('customer');
    const res = await ctx.request<Ok<UserView>>({
      method: 'PATCH',
      url: `/api/users/${target.user.id}`,
      headers: admin.auth,
      payload: { role: 'operator', password: 'reset-by-admin' },
    });
    expect(res.status).toBe(200);
    expect(res.body.data.role).toBe('operator');
  });

  it('never leaves the system without an active admin', async () => {
    const fresh = await TestContext.create();
    try {
      const only = await fresh.newUser('admin');
      const url = `/api/users/${only.user.id}`;
      for (const payload of [{ role: 'operator' }, { is_active: false }]) {
        const res = await fresh.request({ method: 'PATCH', url, headers: only.auth, payload });
        expect(res.status).toBe(400);
        expect(res.body).toEqual({ detail: 'The last active admin cannot be demoted or deactivated' });
      }
      const second = await fresh.newUser('admin');
      const demoted = await fresh.request({
        method: 'PATCH',
        url,
        headers: second.auth,
        payload: { role: 'operator' },
      });
      expect(demoted.status).toBe(200);
    } finally {
      await fresh.close();
    }
  });

  it('refuses an empty change with 422', async () => {
    const me = await ctx.newUser('customer');
    const res = await ctx.request({ method: 'PATCH', url: `/api/users/${me.user.id}`, headers: me.auth, payload: {} });
    expect(res.status).toBe(422);
  });
});
