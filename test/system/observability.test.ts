import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, ManagedProcess } from '../../scripts/soak/proc.js';
import { type Ok, TestContext, type TestUser } from '../helpers/context.js';
import { type MailStack, mailEnv, newAddress, startMailStack } from '../helpers/mail.js';
import { testRedisUrl } from '../helpers/services.js';
import { SseClient } from '../helpers/sse.js';
import { waitUntil } from '../helpers/wait.js';

/**
 * Issue 13, point 6: what an operator of the service sees. A real API process (`npm start`) with
 * METRICS_PORT and a real worker (`npm run worker`) with WORKER_HEALTH_PORT, on the tests' PostgreSQL, Redis
 * (db 12, this run's own prefix) and mail stack; their stdout is read as a log collector would.
 */
const root = path.resolve(import.meta.dirname, '../..');
const redisUrl = `${testRedisUrl()}/12`;
const prefix = `sd-test-obs-${randomBytes(4).toString('hex')}`;

let ctx: TestContext;
let stack: MailStack;
let logs: string;
let api: ManagedProcess;
let worker: ManagedProcess;
let base: string;
let metricsBase: string;
let workerBase: string;
let operator: TestUser;
let customer: TestUser;
const lines = { api: [] as string[], worker: [] as string[] };

type LogLine = Record<string, unknown>;
const parsed = (from: string[]): LogLine[] => from.map((line) => JSON.parse(line) as LogLine);

beforeAll(async () => {
  logs = mkdtempSync(path.join(tmpdir(), 'sd-observability-'));
  stack = await startMailStack();
  const support = newAddress(stack, 'support');
  const settings = { REDIS_URL: redisUrl, REDIS_PREFIX: prefix };
  ctx = await TestContext.create(settings, { postgres: true });
  operator = await ctx.newUser('operator');
  customer = await ctx.newUser('customer', { email: newAddress(stack, 'customer') });
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    ...settings,
    ...mailEnv(stack, support),
    DATABASE_URL: ctx.databaseUrl ?? '',
    SECRET_KEY: ctx.config.auth.secretKey,
    LOG_LEVEL: 'info',
    // The webhook test's receiver listens on loopback.
    WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
  };
  const [port, metricsPort, healthPort] = [await freePort(), await freePort(), await freePort()];
  base = `http://127.0.0.1:${port}`;
  metricsBase = `http://127.0.0.1:${metricsPort}`;
  workerBase = `http://127.0.0.1:${healthPort}`;
  const tsx = path.join(root, 'node_modules/.bin/tsx');
  api = ManagedProcess.start('api', tsx, ['src/server.ts'], {
    cwd: root,
    env: { ...env, PORT: String(port), METRICS_PORT: String(metricsPort) },
    logFile: path.join(logs, 'api.log'),
    onLine: (line) => lines.api.push(line),
  });
  worker = ManagedProcess.start('worker', tsx, ['src/worker.ts'], {
    cwd: root,
    env: { ...env, WORKER_HEALTH_PORT: String(healthPort) },
    logFile: path.join(logs, 'worker.log'),
    onLine: (line) => lines.worker.push(line),
  });
  for (const [child, url] of [
    [api, `${base}/api/health`],
    [worker, `${workerBase}/health`],
  ] as const) {
    await waitUntil(async () => {
      if (!child.running) throw new Error(`${child.name} exited:\n${child.lastLines(30).join('\n')}`);
      return (await fetch(url).catch(() => undefined))?.ok;
    }, 60_000);
  }
}, 120_000);

afterAll(async () => {
  await Promise.all([api, worker].map((child) => child?.stop('SIGTERM', 10_000)));
  const redis = new Redis(redisUrl);
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
  await ctx?.close();
  rmSync(logs, { recursive: true, force: true });
});

const get = (url: string, headers: Record<string, string> = {}) => fetch(url, { headers });

describe('an API process and a worker, observed', { timeout: 60_000 }, () => {
  it('log one JSON line per request, with its route, status, duration, request id and caller', async () => {
    const res = await get(`${base}/api/tickets/987654`, { ...customer.auth, 'x-request-id': 'obs-one-line' });
    expect(res.status).toBe(404);
    const mine = await waitUntil(async () => {
      const found = parsed(lines.api).filter((line) => line.reqId === 'obs-one-line');
      return found.length > 0 && found;
    });
    // Nothing else is written for it (no "incoming request"/"request completed" pair).
    await get(`${base}/api/health`);
    await waitUntil(async () => parsed(lines.api).some((line) => line.route === '/api/health'));
    expect(parsed(lines.api).filter((line) => line.reqId === 'obs-one-line')).toHaveLength(1);
    expect(mine[0]).toMatchObject({
      role: 'api',
      reqId: 'obs-one-line',
      method: 'GET',
      route: '/api/tickets/:ticket_id',
      url: '/api/tickets/987654',
      status: 404,
      userId: customer.user.id,
      userRole: 'customer',
      msg: 'request',
    });
    expect(typeof mine[0]?.durationMs).toBe('number');
    expect(mine[0]?.url).toBe('/api/tickets/987654');
  });

  it('say on every line which kind of process wrote it', async () => {
    expect(lines.api.length).toBeGreaterThan(3);
    expect(lines.worker.length).toBeGreaterThan(1);
    for (const line of parsed(lines.api)) expect(line.role).toBe('api');
    for (const line of parsed(lines.worker)) expect(line.role).toBe('worker');
  });

  it('serve Prometheus metrics on METRICS_PORT only, by route pattern and status', async () => {
    for (let i = 0; i < 3; i++) await get(`${base}/api/tickets/${1000 + i}`, customer.auth);
    const stream = await SseClient.open(`${base}/api/events/stream`, operator.auth);
    try {
      await stream.until(() => stream.comments.includes('connected'), 5_000);
      const res = await get(`${metricsBase}/metrics`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/plain');
      const text = await res.text();
      const count = text
        .split('\n')
        .find(
          (line) =>
            line.startsWith('http_request_duration_seconds_count{') &&
            line.includes('route="/api/tickets/:ticket_id"') &&
            line.includes('status="404"'),
        );
      expect(Number(count?.split(' ').pop())).toBeGreaterThanOrEqual(3);
      expect(text).not.toContain('/api/tickets/1000');
      expect(text).toMatch(/^sse_clients 1$/m);
      expect(text).toMatch(/^outbox_backlog \d+$/m);
      expect(text).toMatch(/^outbox_oldest_age_seconds [\d.e+-]+$/m);
      expect(text).toMatch(/^queue_jobs\{state="waiting"\} \d+$/m);
      expect(text).toMatch(/^mailbox_lease_held 0$/m);
      expect(text).toMatch(/^process_resident_memory_bytes \d+/m);
      for (const name of ['mail_received_total', 'mail_sent_total', 'mail_failed_total', 'webhook_deliveries_total'])
        expect(text).toContain(`# TYPE ${name} counter`);
    } finally {
      stream.abort();
    }
    // Not on the public API port.
    expect((await get(`${base}/metrics`)).status).toBe(404);
  });

  it("carry a request's id into the job it queued: the worker's lines for that mail say it", async () => {
    const created = await fetch(`${base}/api/tickets`, {
      method: 'POST',
      headers: { ...customer.auth, 'content-type': 'application/json' },
      body: JSON.stringify({ subject: 'Observed', description: 'Where does my answer go?' }),
    });
    expect(created.status).toBe(201);
    const ticket = ((await created.json()) as Ok<{ id: number }>).data;
    const answered = await fetch(`${base}/api/tickets/${ticket.id}/messages`, {
      method: 'POST',
      headers: { ...operator.auth, 'content-type': 'application/json', 'x-request-id': 'obs-answer' },
      body: JSON.stringify({ text: 'It goes by mail.' }),
    });
    expect(answered.status).toBe(201);
    const sent = await waitUntil(
      async () => parsed(lines.worker).find((line) => line.reqId === 'obs-answer' && line.msg === 'mail sent'),
      30_000,
    );
    expect(sent).toMatchObject({ role: 'worker', reqId: 'obs-answer' });
    expect(sent.outboxId).toEqual(expect.any(Number));
  });

  it("carry a change's request id to the webhook deliveries its event causes", async () => {
    const received: string[] = [];
    const receiver = createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        received.push(String(request.headers['webhook-id']));
        response.end('ok');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    try {
      const admin = await ctx.newUser('admin');
      const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
      const hook = await fetch(`${base}/api/webhooks`, {
        method: 'POST',
        headers: { ...admin.auth, 'content-type': 'application/json' },
        body: JSON.stringify({ url, events: ['ticket.updated'] }),
      });
      expect(hook.status).toBe(201);
      const created = await fetch(`${base}/api/tickets`, {
        method: 'POST',
        headers: { ...customer.auth, 'content-type': 'application/json' },
        body: JSON.stringify({ subject: 'Hooked', description: 'Tell the integration.' }),
      });
      const ticket = ((await created.json()) as Ok<{ id: number }>).data;
      const changed = await fetch(`${base}/api/tickets/${ticket.id}`, {
        method: 'PATCH',
        headers: { ...operator.auth, 'content-type': 'application/json', 'x-request-id': 'obs-webhook' },
        body: JSON.stringify({ priority: 'high' }),
      });
      expect(changed.status).toBe(200);
      // The worker sends it (the waker queued it, outside any request), and says which request caused it.
      const delivered = await waitUntil(
        async () =>
          parsed(lines.worker).find((line) => line.reqId === 'obs-webhook' && line.msg === 'webhook delivered'),
        30_000,
      );
      expect(delivered).toMatchObject({ role: 'worker', status: 200 });
      expect(received).toHaveLength(1);
    } finally {
      await new Promise((resolve) => receiver.close(resolve));
    }
  });

  it('give the worker /health, /ready and /metrics on WORKER_HEALTH_PORT', async () => {
    expect(await (await get(`${workerBase}/health`)).json()).toEqual({ status: 'ok' });
    const ready = await get(`${workerBase}/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });
    // The only worker holds the mailbox's lease; the answer above was sent by it.
    const text = await waitUntil(async () => {
      const body = await (await get(`${workerBase}/metrics`)).text();
      return /^mailbox_lease_held 1$/m.test(body) && body;
    }, 15_000);
    expect(text).toMatch(/^mail_sent_total [1-9]\d*$/m);
    expect(text).toMatch(/^queue_jobs\{state="failed"\} \d+$/m);
    const missing = await get(`${workerBase}/nothing`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ detail: 'Not Found' });
  });
});
