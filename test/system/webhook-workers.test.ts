import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webhookDeliveries } from '../../src/db/schema.js';
import type { WebhookWithSecretView } from '../../src/webhooks/webhook-schemas.js';
import { type Ok, TestContext, type TestUser } from '../helpers/context.js';
import { testRedisUrl } from '../helpers/services.js';
import { waitUntil } from '../helpers/wait.js';
import { WebhookReceiver } from '../helpers/webhook-receiver.js';

/**
 * Distributed: the API only records and queues; two `npm run worker` processes (real child processes on a
 * shared PostgreSQL database and Redis/BullMQ) send. Each delivery is claimed by one worker at a time, so
 * each event reaches the receiver once per attempt, and once with a 2xx.
 */
const root = path.resolve(import.meta.dirname, '../..');
const redisUrl = `${testRedisUrl()}/8`;

let ctx: TestContext;
let receiver: WebhookReceiver;
let admin: TestUser;
let customer: TestUser;
const children: ChildProcess[] = [];

beforeAll(async () => {
  const env = {
    REDIS_URL: redisUrl,
    REDIS_PREFIX: `sd-test-${randomBytes(4).toString('hex')}`,
    WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
    WEBHOOK_RETRY_SCHEDULE: '1,1,1',
  };
  ctx = await TestContext.create(env, { postgres: true });
  receiver = await WebhookReceiver.start();
  admin = await ctx.newUser('admin');
  customer = await ctx.newUser('customer');
  const workerEnv = { ...env, DATABASE_URL: ctx.databaseUrl ?? '', LOG_LEVEL: 'warn', SECRET_KEY: 'x'.repeat(40) };
  for (let i = 0; i < 2; i += 1) {
    children.push(
      spawn(path.join(root, 'node_modules/.bin/tsx'), ['src/worker.ts'], {
        cwd: root,
        env: { ...process.env, ...workerEnv },
        stdio: 'ignore',
      }),
    );
  }
});

afterAll(async () => {
  await Promise.all(
    children.map(async (child) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      await exited;
    }),
  );
  await ctx.close();
  await receiver.close();
});

describe('two workers on Redis', () => {
  it('deliver each event once with a 2xx, retries included', async () => {
    const failedOnce = new Set<string>();
    receiver.on('/workers', (_index, request) => {
      const id = String(request.headers['webhook-id']);
      if (failedOnce.has(id)) return { status: 200 };
      failedOnce.add(id);
      return { status: 500 };
    });
    const created = await ctx.request<Ok<WebhookWithSecretView>>({
      method: 'POST',
      url: '/api/webhooks',
      headers: admin.auth,
      payload: { url: receiver.url('/workers'), events: ['ticket.created'] },
    });
    const webhookId = created.body.data.id;
    for (let i = 0; i < 12; i += 1) {
      const res = await ctx.request({
        method: 'POST',
        url: '/api/tickets',
        headers: customer.auth,
        payload: { subject: `Ticket ${i}`, description: 'Broken' },
      });
      expect(res.status).toBe(201);
    }
    const rows = await waitUntil(async () => {
      const found = await ctx.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.webhookId, webhookId));
      return found.length === 12 && found.every((row) => row.status === 'delivered') && found;
    }, 60_000);
    const requests = receiver.at('/workers');
    const ok = requests.filter((request) => request.status === 200).map((r) => String(r.headers['webhook-id']));
    expect(ok.sort()).toEqual(rows.map((row) => row.messageId).sort());
    // One failed attempt and one success per delivery: no attempt was made twice.
    expect(requests).toHaveLength(24);
    expect(rows.every((row) => row.attempts === 2)).toBe(true);
  }, 90_000);
});
