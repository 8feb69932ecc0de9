import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { TEST_PASSWORD, TestContext } from '../helpers/context.js';
import { testRedisUrl } from '../helpers/services.js';

/**
 * Issue 10, finding 4: with several API processes the limits multiplied by their number, each process
 * counting alone. With Redis configured, two apps on one Redis (and one database) share every counter.
 * Keys live under this file's own REDIS_PREFIX, so files running in parallel do not meet.
 */

const redisUrl = `${testRedisUrl()}/5`;
const prefix = `sd-test-limits-${randomBytes(4).toString('hex')}`;
let ctx: TestContext;
let second: FastifyInstance;
let redis: Redis;

beforeAll(async () => {
  ctx = await TestContext.create({
    REDIS_URL: redisUrl,
    REDIS_PREFIX: prefix,
    LOGIN_RATE_LIMIT_PER_MINUTE: '6',
    LOGIN_FAILURES_PER_ACCOUNT: '4',
    SIGNUP_LIMIT_PER_HOUR: '2',
  });
  second = await buildApp({ config: ctx.config, database: ctx.database });
  await second.ready();
  redis = new Redis(redisUrl);
});

afterAll(async () => {
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
  await second?.close();
  await ctx?.close();
});

const login = (app: FastifyInstance, username: string, password: string, remoteAddress: string) =>
  app.inject({ method: 'POST', url: '/api/auth/token', remoteAddress, payload: { username, password } });

describe('limits on Redis, shared by two API processes', () => {
  it('count failed logins of one account together, whichever process answers', async () => {
    const { user } = await ctx.newUser('customer');
    const apps = [ctx.app, second, ctx.app, second];
    for (const app of apps)
      expect((await login(app, user.username, 'wrong-guess', '203.0.113.1')).statusCode).toBe(401);
    for (const app of [ctx.app, second]) {
      const refused = await login(app, user.email, TEST_PASSWORD, '203.0.113.1');
      expect(refused.statusCode).toBe(429);
      expect(refused.headers['retry-after']).toBe('1');
    }
    // Another address is not held up; the owner gets in.
    expect((await login(second, user.username, TEST_PASSWORD, '203.0.113.2')).statusCode).toBe(200);
    const keys = await redis.keys(`${prefix}:login:*`);
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) expect(await redis.pttl(key)).toBeGreaterThan(0);
  });

  it('count login attempts per client address together', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      const res = await login(i % 2 ? second : ctx.app, `nobody${i}`, 'whatever-it-is', '203.0.113.3');
      statuses.push(res.statusCode);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 401, 429, 429]);
    expect(await redis.keys(`${prefix}:rate-limit:*`)).not.toHaveLength(0);
  });

  it('count sign-ups per client address together', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await (i % 2 ? second : ctx.app).inject({
        method: 'POST',
        url: '/api/users',
        remoteAddress: '203.0.113.4',
        payload: { email: `shared${i}@example.com`, username: `shared${i}`, password: 'Sturdy-Lantern-42' },
      });
      statuses.push(res.statusCode);
    }
    expect(statuses).toEqual([201, 201, 429]);
  });

  it('refuse with 503 and Retry-After, not let guesses through, when Redis cannot be reached', async () => {
    const unreachable = await buildApp({
      config: { ...ctx.config, redisUrl: 'redis://127.0.0.1:1' },
      database: ctx.database,
    });
    try {
      await unreachable.ready();
      const res = await login(unreachable, 'someone', 'any-password', '203.0.113.5');
      expect(res.statusCode).toBe(503);
      expect(res.headers['retry-after']).toBeDefined();
      expect(res.json()).toEqual({ detail: 'Service temporarily unavailable, please retry' });
    } finally {
      await unreachable.close();
    }
  });
});
