import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, ManagedProcess, sleep } from '../../scripts/soak/proc.js';
import { SoakRedis } from '../../scripts/soak/services.js';
import { type Ok, type Page, TestContext } from '../helpers/context.js';
import { waitUntil } from '../helpers/wait.js';
import { WebhookReceiver } from '../helpers/webhook-receiver.js';

/**
 * Issue 13, point 6: a Redis outage as operators see it. An API process and a worker on a private
 * redis-server of this file (never the shared one), which the test stops and starts again: readiness says
 * 503 `Redis unavailable` meanwhile, and each process logs the outage once when it starts and once when it
 * ends, whatever number of Redis connections it has (before, ~42 warnings with stack traces per worker in
 * 5 s; then one pair per connection, 3 or 4 a process).
 */
const root = path.resolve(import.meta.dirname, '../..');

let ctx: TestContext;
let dir: string;
let redis: SoakRedis;
let api: ManagedProcess;
let worker: ManagedProcess;
let base: string;
let workerBase: string;
const lines = { api: [] as string[], worker: [] as string[] };

type LogLine = Record<string, unknown>;
const parsed = (from: string[]): LogLine[] => from.map((line) => JSON.parse(line) as LogLine);

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'sd-redis-outage-'));
  redis = new SoakRedis(dir, await freePort(), dir);
  await redis.start();
  const settings = { REDIS_URL: redis.url, WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true' };
  ctx = await TestContext.create(settings, { postgres: true });
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    ...settings,
    DATABASE_URL: ctx.databaseUrl ?? '',
    SECRET_KEY: ctx.config.auth.secretKey,
    LOG_LEVEL: 'info',
  };
  const [port, healthPort] = [await freePort(), await freePort()];
  base = `http://127.0.0.1:${port}`;
  workerBase = `http://127.0.0.1:${healthPort}`;
  const tsx = path.join(root, 'node_modules/.bin/tsx');
  api = ManagedProcess.start('api', tsx, ['src/server.ts'], {
    cwd: root,
    env: { ...env, PORT: String(port) },
    logFile: path.join(dir, 'api.log'),
    onLine: (line) => lines.api.push(line),
  });
  worker = ManagedProcess.start('worker', tsx, ['src/worker.ts'], {
    cwd: root,
    env: { ...env, WORKER_HEALTH_PORT: String(healthPort) },
    logFile: path.join(dir, 'worker.log'),
    onLine: (line) => lines.worker.push(line),
  });
  for (const [child, url] of [
    [api, `${base}/api/health/ready`],
    [worker, `${workerBase}/ready`],
  ] as const) {
    await waitUntil(async () => {
      if (!child.running) throw new Error(`${child.name} exited:\n${child.lastLines(30).join('\n')}`);
      return (await fetch(url).catch(() => undefined))?.ok;
    }, 60_000);
  }
}, 120_000);

afterAll(async () => {
  await Promise.all([api, worker].map((child) => child?.stop('SIGTERM', 10_000)));
  await redis?.destroy();
  await ctx?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function readiness(url: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.json() };
}

/** The lines of one process that say `msg`. */
const saying = (from: string[], msg: string): LogLine[] => parsed(from).filter((line) => line.msg === msg);

describe('a Redis outage', { timeout: 90_000 }, () => {
  it('makes readiness 503 "Redis unavailable", logged once per process, and once more when it ends', async () => {
    const before = { api: lines.api.length, worker: lines.worker.length };
    await redis.shutdown();

    const unready = { status: 503, body: { detail: 'Redis unavailable' } };
    await waitUntil(async () => (await readiness(`${base}/api/health/ready`)).status === 503, 10_000);
    expect(await readiness(`${base}/api/health/ready`)).toEqual(unready);
    await waitUntil(async () => (await readiness(`${workerBase}/ready`)).status === 503, 10_000);
    expect(await readiness(`${workerBase}/ready`)).toEqual(unready);
    // Liveness is not readiness: the worker still answers /health.
    expect((await fetch(`${workerBase}/health`)).status).toBe(200);

    // The outage lasts: ioredis keeps reconnecting (and failing) all this while.
    await sleep(5_000);
    const during = {
      api: lines.api.slice(before.api).filter((line) => line.includes('"level":40') || line.includes('"level":50')),
      worker: lines.worker
        .slice(before.worker)
        .filter((line) => line.includes('"level":40') || line.includes('"level":50')),
    };
    expect(saying(lines.api, 'redis unavailable')).toHaveLength(1);
    expect(saying(lines.worker, 'redis unavailable')).toHaveLength(1);
    // A few lines in all, none with a stack trace (the readiness probes' own warnings aside).
    for (const line of [...during.api, ...during.worker]) expect(line).not.toContain('"stack"');
    expect(during.worker.length).toBeLessThanOrEqual(5);

    await redis.start();
    await waitUntil(async () => (await readiness(`${base}/api/health/ready`)).status === 200, 30_000);
    await waitUntil(async () => (await readiness(`${workerBase}/ready`)).status === 200, 30_000);
    for (const from of [lines.api, lines.worker]) {
      const back = await waitUntil(async () => {
        const found = saying(from, 'redis available again');
        return found.length > 0 && found;
      }, 15_000);
      // Once, when the last connection is back (a second would come a moment later: give it that moment).
      await sleep(2_000);
      expect(saying(from, 'redis available again')).toHaveLength(1);
      expect(back[0]?.downMs).toBeGreaterThan(5_000);
    }
  });

  it("answers an admin's redelivery at once while Redis is away; the delivery goes once it is back", async () => {
    const receiver = await WebhookReceiver.start();
    try {
      const admin = await ctx.newUser('admin');
      const call = async <T>(method: string, url: string, body?: unknown) => {
        const res = await fetch(`${base}${url}`, {
          method,
          headers: { ...admin.auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        return { status: res.status, body: (await res.json()) as T };
      };
      const hook = await call<Ok<{ id: number }>>('POST', '/api/webhooks', {
        url: receiver.url('/hook'),
        events: ['ticket.created'],
      });
      expect(hook.status).toBe(201);
      const created = await call('POST', '/api/tickets', { subject: 'Hooked', description: 'Tell the CRM.' });
      expect(created.status).toBe(201);
      await waitUntil(async () => receiver.at('/hook').length === 1, 30_000);
      const delivery = await waitUntil(async () => {
        const [first] = (
          await call<Page<{ id: number; status: string }>>('GET', `/api/webhooks/${hook.body.data.id}/deliveries`)
        ).body.data;
        return first?.status === 'delivered' && first;
      });

      await redis.shutdown();
      await waitUntil(async () => (await readiness(`${base}/api/health/ready`)).status === 503, 10_000);
      const started = performance.now();
      const again = await call('POST', `/api/webhooks/${hook.body.data.id}/deliveries/${delivery.id}/redeliver`);
      expect(again.status).toBe(202);
      expect(performance.now() - started).toBeLessThan(1_000);

      await redis.start();
      const [first, second] = await waitUntil(
        async () => receiver.at('/hook').length === 2 && receiver.at('/hook'),
        30_000,
      );
      expect(second?.headers['webhook-id']).toBe(first?.headers['webhook-id']);
    } finally {
      await receiver.close();
    }
  });
});
