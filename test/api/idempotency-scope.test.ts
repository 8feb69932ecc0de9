import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_PASSWORD, TestContext, type TestUser } from '../helpers/context.js';

/**
 * Idempotency-Key: taken only by the operations that document it, never by login (its answers are bearer
 * tokens, which must not be stored), and scoped per caller — per client address for anonymous callers.
 */

let ctx: TestContext;
let customer: TestUser;

beforeAll(async () => {
  ctx = await TestContext.create();
  customer = await ctx.newUser('customer');
});
afterAll(async () => ctx.close());

const storedKeys = async (key: string): Promise<unknown[]> => {
  const result = (await ctx.db.execute(`select status, body from idempotency_keys where key = '${key}'`)) as {
    rows: unknown[];
  };
  return result.rows;
};

describe('login', () => {
  it('ignores an Idempotency-Key: no answer stored, nothing replayed', async () => {
    const login = () =>
      ctx.request({
        method: 'POST',
        url: '/api/auth/token',
        headers: { 'idempotency-key': 'login-key' },
        payload: { username: customer.user.username, password: TEST_PASSWORD },
      });
    const first = await login();
    const second = await login();
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(second.headers['idempotency-replayed']).toBeUndefined();
    expect(await storedKeys('login-key')).toEqual([]);
  });

  it('does not document the header', async () => {
    const document = (
      await ctx.request<{ paths: Record<string, Record<string, { parameters?: unknown[] }>> }>({
        method: 'GET',
        url: '/api/openapi.json',
      })
    ).body;
    const login = document.paths['/api/auth/token']?.post;
    expect(JSON.stringify(login?.parameters ?? [])).not.toContain('idempotency-key');
  });
});

describe('anonymous keys', () => {
  const signUp = (address: string, name: string) =>
    ctx.request({
      method: 'POST',
      url: '/api/users',
      remoteAddress: address,
      headers: { 'idempotency-key': 'shared-anonymous-key' },
      payload: { email: `${name}@example.com`, username: name, password: 'a-long-uncommon-passphrase' },
    });

  it('are scoped per client address: two addresses never see each other’s stored answer', async () => {
    const first = await signUp('198.51.100.1', 'first_signer');
    expect(first.status).toBe(201);
    // The same key and body from another address: not a replay of the first's answer, a request of its own.
    const same = await signUp('198.51.100.2', 'first_signer');
    expect(same.headers['idempotency-replayed']).toBeUndefined();
    expect(same.status).toBe(400);
    // Another body under the same key from a third address: its own sign-up, not a 422 for a reused key.
    const other = await signUp('203.0.113.7', 'second_signer');
    expect(other.status).toBe(201);
    // The first address still gets its own answer back.
    const again = await signUp('198.51.100.1', 'first_signer');
    expect(again.headers['idempotency-replayed']).toBe('true');
    expect(again.body).toEqual(first.body);
  });
});
