import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, ManagedProcess } from '../../scripts/soak/proc.js';
import { TEST_PASSWORD, TestContext, type TestUser } from '../helpers/context.js';
import { testRedisUrl } from '../helpers/services.js';
import { waitUntil } from '../helpers/wait.js';

/**
 * Issue 13, point 5: "login limits multiply by the number of processes". Two real API processes
 * (`src/server.ts`) on one PostgreSQL database and one Redis: wrong passwords sent to them in turn meet the
 * 429 at the configured limit counted over both, not at twice it.
 */
const root = path.resolve(import.meta.dirname, '../..');
// A Redis database of this file's own; keys under this run's prefix, removed at the end.
const redisUrl = `${testRedisUrl()}/12`;
const prefix = `sd-test-procs-${randomBytes(4).toString('hex')}`;
const FAILURES_PER_ACCOUNT = 4;
const PER_ADDRESS_PER_MINUTE = 10;

let ctx: TestContext;
let logs: string;
let user: TestUser;
const processes: ManagedProcess[] = [];
const apis: string[] = [];

beforeAll(async () => {
  logs = mkdtempSync(path.join(tmpdir(), 'sd-limits-procs-'));
  const settings = {
    REDIS_URL: redisUrl,
    REDIS_PREFIX: prefix,
    LOGIN_RATE_LIMIT_PER_MINUTE: String(PER_ADDRESS_PER_MINUTE),
    LOGIN_FAILURES_PER_ACCOUNT: String(FAILURES_PER_ACCOUNT),
  };
  ctx = await TestContext.create(settings, { postgres: true });
  user = await ctx.newUser('customer');
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    ...settings,
    DATABASE_URL: ctx.databaseUrl ?? '',
    SECRET_KEY: ctx.config.auth.secretKey,
    LOG_LEVEL: 'warn',
  };
  for (const name of ['api-a', 'api-b']) {
    const port = await freePort();
    const api = ManagedProcess.start(name, path.join(root, 'node_modules/.bin/tsx'), ['src/server.ts'], {
      cwd: root,
      env: { ...env, PORT: String(port) },
      logFile: path.join(logs, `${name}.log`),
    });
    processes.push(api);
    const url = `http://127.0.0.1:${port}`;
    await waitUntil(async () => {
      if (!api.running) throw new Error(`${name} exited:\n${api.lastLines(30).join('\n')}`);
      return (await fetch(`${url}/api/health`)).ok;
    }, 60_000);
    apis.push(url);
  }
}, 120_000);

afterAll(async () => {
  await Promise.all(processes.map((child) => child.stop('SIGTERM', 10_000)));
  const redis = new Redis(redisUrl);
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
  await ctx?.close();
  rmSync(logs, { recursive: true, force: true });
});

const login = (base: string, username: string, password: string) =>
  fetch(`${base}/api/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });

describe('two API processes on one Redis', { timeout: 60_000 }, () => {
  it('refuse an account at the configured number of failures in total, alternating processes', async () => {
    const [a, b] = apis as [string, string];
    const statuses: number[] = [];
    for (let i = 0; i < FAILURES_PER_ACCOUNT + 1; i++) {
      statuses.push((await login(i % 2 ? b : a, user.user.username, 'wrong-guess')).status);
    }
    // Counted per process, each would have allowed 4 failures (8 in all) before refusing.
    expect(statuses).toEqual([401, 401, 401, 401, 429]);
    // Even the right password is held back now, on either process.
    for (const base of [a, b]) expect((await login(base, user.user.username, TEST_PASSWORD)).status).toBe(429);
  });

  it('count login attempts of one address over both processes', async () => {
    const [a, b] = apis as [string, string];
    // Fresh usernames, so only the per-address limit counts. The test above sent 7 attempts from this
    // address (4 to one process, 3 to the other): 3 more are allowed in this minute, in total.
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await login(i % 2 ? b : a, `nobody${i}`, 'whatever-it-is')).status);
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
  });
});
