import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { eq, inArray, sql } from 'drizzle-orm';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, ManagedProcess } from '../../scripts/soak/proc.js';
import { tickets, webhookDeliveries } from '../../src/db/schema.js';
import type { TicketEventView } from '../../src/events/event-schemas.js';
import type { TicketView } from '../../src/tickets/ticket-schemas.js';
import type { WebhookWithSecretView } from '../../src/webhooks/webhook-schemas.js';
import { type Ok, TestContext, type TestUser } from '../helpers/context.js';
import { testRedisUrl } from '../helpers/services.js';
import { SseClient } from '../helpers/sse.js';
import { waitUntil } from '../helpers/wait.js';
import { WebhookReceiver } from '../helpers/webhook-receiver.js';

/**
 * The distributed set-up as a team runs it: two API processes and two `npm run worker`s (real child
 * processes) on one PostgreSQL database and one Redis. A change made through API A reaches a live stream on
 * API B within a second, and each event reaches a webhook once; an SLA breach, noticed by the workers' sweep,
 * is recorded once and reaches the stream of API B and a webhook once.
 */
const root = path.resolve(import.meta.dirname, '../..');
// A Redis database of this file's own.
const redisUrl = `${testRedisUrl()}/10`;
/** The workers' SLA sweep runs this often (SLA_SWEEP_INTERVAL_SECONDS; 30 by default). */
const SWEEP_SECONDS = 1;
/** What a breach may take past its due time beyond one sweep interval: the job's hand-over, a busy machine. */
const NOTICE_SLACK_MS = 5_000;

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
    SLA_SWEEP_INTERVAL_SECONDS: String(SWEEP_SECONDS),
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

  it('notices each SLA breach once across both workers: one event, one delivery, on the stream of API B', async () => {
    const [a, b] = apis as [string, string];
    const policy = await post(a, admin, '/api/sla-policies', {
      name: 'Distributed',
      priority: null,
      first_response_minutes: 60,
      resolution_minutes: 600,
      business_hours: null,
    });
    expect(policy.status).toBe(201);
    const created = await post(a, admin, '/api/webhooks', { url: receiver.url('/breaches'), events: ['sla.breached'] });
    expect(created.status).toBe(201);
    const webhook = ((await created.json()) as Ok<WebhookWithSecretView>).data;
    const stream = await SseClient.open(`${b}/api/events/stream`, operator.auth);
    await stream.until(() => stream.comments.includes('connected'), 5_000);

    const open = async (subject: string) => {
      const res = await post(a, customer, '/api/tickets', { subject, description: 'Late' });
      expect(res.status).toBe(201);
      return ((await res.json()) as Ok<TicketView>).data.id;
    };
    // Three tickets: one misses its first response, one its resolution, one both (in one sweep: one event).
    const late = { first: await open('Late answer'), resolution: await open('Late fix'), both: await open('Late all') };
    const expected: Record<number, string[]> = {
      [late.first]: ['first_response'],
      [late.resolution]: ['resolution'],
      [late.both]: ['first_response', 'resolution'],
    };
    const ids = Object.keys(expected).map(Number);
    // The minutes pass: the due times become now, on the shared database (a policy of minutes would take them).
    const due = await ctx.db
      .update(tickets)
      .set({
        slaFirstResponseDueAt: sql`case when ${tickets.id} <> ${late.resolution} then now() else ${tickets.slaFirstResponseDueAt} end`,
        slaResolutionDueAt: sql`case when ${tickets.id} <> ${late.first} then now() else ${tickets.slaResolutionDueAt} end`,
      })
      .where(inArray(tickets.id, ids))
      .returning({ at: sql<string>`now()` });
    expect(due).toHaveLength(3);
    const dueAt = new Date(due[0]?.at ?? '').getTime();

    const history = async (id: number) => {
      const res = await fetch(`${a}/api/tickets/${id}/events`, { headers: operator.auth });
      expect(res.status).toBe(200);
      return ((await res.json()) as { data: TicketEventView[] }).data.filter((e) => e.type === 'sla.breached');
    };
    await waitUntil(async () => {
      for (const id of ids) if ((await history(id)).length === 0) return false;
      return true;
    }, 30_000);
    // Noticed within one sweep interval of the due time (and the slack), not the 30 s of the default.
    for (const id of ids) {
      const [event] = await history(id);
      expect(new Date(event?.created_at ?? 0).getTime() - dueAt).toBeLessThan(SWEEP_SECONDS * 1000 + NOTICE_SLACK_MS);
    }
    await stream.until(() => stream.messages.filter((m) => m.event === 'sla.breached').length >= 3, 10_000);
    const deliveredAll = () => receiver.at('/breaches').length >= 3;
    await waitUntil(async () => deliveredAll(), 30_000);
    // Several more sweeps by both workers: nothing is noticed twice.
    await new Promise((resolve) => setTimeout(resolve, 4 * SWEEP_SECONDS * 1000));

    for (const id of ids) {
      const events = await history(id);
      expect(events, `ticket ${id}`).toHaveLength(1);
      expect(events[0]?.actor).toBeNull();
      expect(events[0]?.changes).toEqual({ breached: { from: [], to: expected[id] } });
      const ticket = await fetch(`${b}/api/tickets/${id}`, { headers: operator.auth });
      expect(((await ticket.json()) as Ok<TicketView>).data.sla?.breached).toEqual(expected[id]);
    }

    // Each breach reached API B's stream once, with the ticket as staff see it.
    stream.abort();
    const streamed = stream.messages
      .filter((m) => m.event === 'sla.breached')
      .map((m) => JSON.parse(m.data) as { ticket_id: number; ticket: TicketView });
    expect(streamed.map((m) => m.ticket_id).sort()).toEqual([...ids].sort());
    for (const m of streamed) expect(m.ticket.sla?.breached).toEqual(expected[m.ticket_id]);

    // And the webhook once: one signed delivery per breach, each verified by an independent implementation.
    const requests = receiver.at('/breaches');
    expect(requests).toHaveLength(3);
    expect(new Set(requests.map((r) => r.headers['webhook-id'])).size).toBe(3);
    const delivered = requests.map(
      (request) =>
        new StandardWebhook(webhook.secret).verify(request.body, {
          'webhook-id': String(request.headers['webhook-id']),
          'webhook-timestamp': String(request.headers['webhook-timestamp']),
          'webhook-signature': String(request.headers['webhook-signature']),
        }) as { type: string; data: { ticket_id: number; event: TicketEventView } },
    );
    expect(delivered.map((d) => d.type)).toEqual(['sla.breached', 'sla.breached', 'sla.breached']);
    expect(delivered.map((d) => d.data.ticket_id).sort()).toEqual([...ids].sort());
    for (const d of delivered)
      expect(d.data.event.changes).toEqual({ breached: { from: [], to: expected[d.data.ticket_id] } });
    const rows = await ctx.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.webhookId, webhook.id));
    expect(rows.map((row) => row.status)).toEqual(['delivered', 'delivered', 'delivered']);
  });
});
