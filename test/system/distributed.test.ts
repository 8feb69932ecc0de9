import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, ManagedProcess } from '../../scripts/soak/proc.js';
import { webhookDeliveries } from '../../src/db/schema.js';
import type { WebhookWithSecretView } from '../../src/webhooks/webhook-schemas.js';
import { type Ok, TestContext, type TestUser } from '../helpers/context.js';
import { testRedisUrl } from '../helpers/services.js';
import { SseClient } from '../helpers/sse.js';
import { waitUntil } from '../helpers/wait.js';
import { WebhookReceiver } from '../helpers/webhook-receiver.js';

/**
 * The distributed set-up as a team runs it: two API processes and two `npm run worker`s (real child
 * processes) on one PostgreSQL database and one Redis. A change made through API A reaches a live stream on
 * API B within a second, and each event reaches a webhook once.
 */
const root = path.resolve(import.meta.dirname, '../..');
// A Redis database of this file's own.
const redisUrl = `${testRedisUrl()}/10`;

let ctx: TestContext;
let logs: string;
let receiver: WebhookReceiver;
let admin: TestUser;
let operator: TestUser;
let customer: TestUser;
const processes: ManagedProcess[] = [];
const apis: string[] = [];

function spawnNode(name: string, entry: string, env: NodeJS.ProcessEnv): ManagedProcess {
  const child = ManagedProcess.start(name, path.join(root, 'node_modules/.bin/tsx'), [entry], {
    cwd: root,
    env,
    logFile: path.join(logs, `${name}.log`),
  });
  processes.push(child);
  return child;
}

beforeAll(async () => {
  logs = mkdtempSync(path.join(tmpdir(), 'sd-distributed-'));
  const settings = {
    REDIS_URL: redisUrl,
    REDIS_PREFIX: `sd-test-${randomBytes(4).toString('hex')}`,
    WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
    WEBHOOK_RETRY_SCHEDULE: '1,1,1',
  };
  ctx = await TestContext.create(settings, { postgres: true });
  receiver = await WebhookReceiver.start();
  [admin, operator, customer] = [await ctx.newUser('admin'), await ctx.newUser('operator'), await ctx.newUser()];
  // The processes share the test context's database and key, so its tokens are good on them.
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
    const api = spawnNode(name, 'src/server.ts', { ...env, PORT: String(port) });
    const url = `http://127.0.0.1:${port}`;
    await waitUntil(async () => {
      if (!api.running) throw new Error(`${name} exited:\n${api.lastLines(30).join('\n')}`);
      return (await fetch(`${url}/api/health`)).ok;
    }, 60_000);
    apis.push(url);
  }
  spawnNode('worker-1', 'src/worker.ts', env);
  spawnNode('worker-2', 'src/worker.ts', env);
}, 120_000);

afterAll(async () => {
  await Promise.all(processes.map((child) => child.stop('SIGTERM', 10_000)));
  await ctx.close();
  await receiver.close();
  rmSync(logs, { recursive: true, force: true });
});

async function post(base: string, user: TestUser, url: string, body: unknown): Promise<Response> {
  return fetch(`${base}${url}`, {
    method: 'POST',
    headers: { ...user.auth, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

describe('two API processes and two workers', { timeout: 120_000 }, () => {
  it('a change through API A is on a stream of API B within a second; each event reaches a webhook once', async () => {
    const [a, b] = apis as [string, string];
    const created = await post(a, admin, '/api/webhooks', {
      url: receiver.url('/distributed'),
      events: ['ticket.created'],
    });
    expect(created.status).toBe(201);
    const webhook = ((await created.json()) as Ok<WebhookWithSecretView>).data;

    const stream = await SseClient.open(`${b}/api/events/stream`, operator.auth);
    await stream.until(() => stream.comments.includes('connected'), 5_000);
    const latencies: number[] = [];
    for (let n = 0; n < 10; n += 1) {
      const started = Date.now();
      const res = await post(a, customer, '/api/tickets', { subject: `Across ${n}`, description: 'Live' });
      expect(res.status).toBe(201);
      await stream.until(() => stream.messages.filter((m) => m.event === 'ticket.created').length > n, 2_000);
      latencies.push(Date.now() - started);
    }
    stream.abort();
    expect(Math.max(...latencies)).toBeLessThan(1_000);
    const subjects = stream.messages
      .filter((m) => m.event === 'ticket.created')
      .map((m) => (JSON.parse(m.data) as { ticket: { subject: string } }).ticket.subject);
    expect(subjects).toEqual(Array.from({ length: 10 }, (_, n) => `Across ${n}`));

    const rows = await waitUntil(async () => {
      const found = await ctx.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.webhookId, webhook.id));
      return found.length === 10 && found.every((row) => row.status === 'delivered') && found;
    }, 60_000);
    const ids = receiver.at('/distributed').map((request) => String(request.headers['webhook-id']));
    expect(ids.sort()).toEqual(rows.map((row) => row.messageId).sort());
  });
});
