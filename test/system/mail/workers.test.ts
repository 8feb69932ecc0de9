import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { TicketView } from '../../../src/tickets/ticket-schemas.js';
import { type Page, TestContext, type TestUser } from '../../helpers/context.js';
import { MailClient, type MailStack, mailEnv, mailStack, newAddress, startMailStack } from '../../helpers/mail.js';
import { testRedisUrl } from '../../helpers/services.js';
import { waitUntil } from '../../helpers/wait.js';
import { settled } from './desk.js';

/**
 * The distributed set-up: the API only queues jobs in Redis; `npm run worker` processes (real child
 * processes, on a shared PostgreSQL database) send mail and watch the mailbox. Faults: Redis flushed, a
 * worker killed with SIGKILL, two workers at once.
 */

const root = path.resolve(import.meta.dirname, '../../..');
// A Redis database of this file's own, so FLUSHDB disturbs no other test.
const redisUrl = `${testRedisUrl()}/7`;

let stack: MailStack;
let ctx: TestContext;
let support: string;
let operator: TestUser;
let workerEnv: Record<string, string>;
const workers: { child: ChildProcess; output: string[] }[] = [];

beforeAll(async () => {
  stack = await startMailStack({ name: 'workers', portOffset: 20 });
  support = newAddress(stack, 'support');
  const env = {
    ...mailEnv(stack, support),
    REDIS_URL: redisUrl,
    REDIS_PREFIX: `sd-test-${randomBytes(4).toString('hex')}`,
  };
  ctx = await TestContext.create(env, { postgres: true });
  operator = await ctx.newUser('operator');
  workerEnv = { ...env, DATABASE_URL: ctx.databaseUrl ?? '', LOG_LEVEL: 'warn', SECRET_KEY: 'x'.repeat(40) };
});

afterEach(async () => {
  await Promise.all(workers.splice(0).map(({ child }) => stop(child, 'SIGTERM')));
  await mailStack(stack, 'start-smtp');
});

afterAll(async () => ctx.close());

function startWorker(): { child: ChildProcess; output: string[] } {
  const child = spawn(path.join(root, 'node_modules/.bin/tsx'), ['src/worker.ts'], {
    cwd: root,
    env: { ...process.env, ...workerEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group: see stop()
  });
  const output: string[] = [];
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const worker = { child, output };
  workers.push(worker);
  return worker;
}

async function stop(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // tsx runs the worker as its own child and passes SIGTERM on; SIGKILL it cannot, so the whole group
  // gets that (killing tsx alone left the worker running, on the test Redis, after every run).
  if (signal === 'SIGKILL' && child.pid !== undefined) process.kill(-child.pid, signal);
  else child.kill(signal);
  await exited;
}

async function openTicket(customer: MailClient, subject: string): Promise<TicketView> {
  await customer.send({ to: support, subject, text: 'Help, please.' });
  return waitUntil(async () => {
    const res = await ctx.request<Page<TicketView>>({
      method: 'GET',
      url: '/api/tickets?limit=200',
      headers: operator.auth,
    });
    return res.body.data.find((t) => t.creator.email === customer.address && t.subject === subject);
  }, 40_000).catch(async (error) => {
    const log = await ctx.request({ method: 'GET', url: '/api/mail/mailboxes', headers: operator.auth });
    throw new Error(`${error}\n${JSON.stringify(log.body)}\n${workers.map((w) => w.output.join('')).join('\n---\n')}`);
  });
}

async function answer(ticketId: number, text: string): Promise<void> {
  const res = await ctx.request({
    method: 'POST',
    url: `/api/tickets/${ticketId}/messages`,
    headers: operator.auth,
    payload: { text },
  });
  expect(res.status).toBe(201);
}

async function received(customer: MailClient, text: string): Promise<number> {
  return (await customer.inbox()).filter(({ parsed }) => (parsed.text ?? '').includes(text)).length;
}

/**
 * Waits for the mail, then until nothing more can arrive (the workers' outbox rows sent and Postfix's queue
 * empty, see `settled`), and counts: "exactly once" needs both halves.
 */
async function expectDeliveredOnce(customer: MailClient, text: string): Promise<void> {
  await customer.waitForMail((m) => (m.text ?? '').includes(text), 40_000);
  await settled(stack, { ctx, operator, support }, 60_000);
  expect(await received(customer, text)).toBe(1);
}

// Child processes on a shared 2-core machine: generous limits; the waits end as soon as the condition holds.
describe('npm run worker', { timeout: 120_000 }, () => {
  it('watches the mailbox and sends the answers the API queued', async () => {
    startWorker();
    const customer = new MailClient(stack, newAddress(stack, 'bob'));
    const ticket = await openTicket(customer, 'Worker picks this up');
    await customer.waitForMail((m) => (m.subject ?? '').includes(`[#${ticket.id}]`), 40_000);
    await answer(ticket.id, 'Answered through the queue.');
    await expectDeliveredOnce(customer, 'Answered through the queue.');
  });

  it('with two workers, each mail is handled once', async () => {
    startWorker();
    startWorker();
    const customer = new MailClient(stack, newAddress(stack, 'carol'));
    const tickets = await Promise.all(['one', 'two', 'three'].map((n) => openTicket(customer, `Two workers ${n}`)));
    for (const ticket of tickets) await answer(ticket.id, `Reply for ${ticket.id}.`);
    for (const ticket of tickets) await expectDeliveredOnce(customer, `Reply for ${ticket.id}.`);
    const acks = (await customer.inbox()).filter(
      ({ parsed }) => parsed.headers.get('auto-submitted') === 'auto-replied',
    );
    expect(acks).toHaveLength(3);
  });

  it('loses nothing when Redis is flushed while answers wait for a worker', async () => {
    startWorker();
    const customer = new MailClient(stack, newAddress(stack, 'dave'));
    const ticket = await openTicket(customer, 'Flush me');
    await Promise.all(workers.splice(0).map(({ child }) => stop(child, 'SIGTERM')));
    await answer(ticket.id, 'Survives a flush.');
    const redis = new Redis(redisUrl);
    await redis.flushdb();
    redis.disconnect();
    startWorker();
    await expectDeliveredOnce(customer, 'Survives a flush.');
  });

  it('loses nothing when Redis is flushed under a running worker', async () => {
    startWorker();
    const customer = new MailClient(stack, newAddress(stack, 'faye'));
    const ticket = await openTicket(customer, 'Flush under me');
    await customer.waitForMail((m) => (m.subject ?? '').includes(`[#${ticket.id}]`), 40_000);
    await mailStack(stack, 'stop-smtp');
    await answer(ticket.id, 'Outlives its queue.');
    // Flushed while the third retry waits (2 s) in Redis: the retry, and the sweeper's schedule, are gone;
    // only the outbox row remains.
    await waitUntil(async () => {
      const res = await ctx.request<Page<{ attempts: number }>>({
        method: 'GET',
        url: `/api/mail/outbox?ticket_id=${ticket.id}&status=pending`,
        headers: operator.auth,
      });
      return res.body.data.some((row) => row.attempts >= 3);
    }, 20_000);
    const redis = new Redis(redisUrl);
    await redis.flushdb();
    redis.disconnect();
    await mailStack(stack, 'start-smtp');
    await expectDeliveredOnce(customer, 'Outlives its queue.');
  });

  it('sends each answer once when a worker is killed mid-run and SMTP was down', async () => {
    startWorker();
    const customer = new MailClient(stack, newAddress(stack, 'erin'));
    const ticket = await openTicket(customer, 'Kill the worker');
    // The acknowledgement must be out before SMTP stops, or it is a fourth pending row below.
    await customer.waitForMail((m) => (m.subject ?? '').includes(`[#${ticket.id}]`), 40_000);
    await mailStack(stack, 'stop-smtp');
    for (const n of [1, 2, 3]) await answer(ticket.id, `Kill test answer ${n}.`);
    // Let the worker try (and fail) at least once, then kill it without a chance to clean up.
    await waitUntil(async () => {
      const res = await ctx.request<Page<{ attempts: number }>>({
        method: 'GET',
        url: `/api/mail/outbox?ticket_id=${ticket.id}&status=pending`,
        headers: operator.auth,
      });
      return res.body.data.filter((row) => row.attempts > 0).length === 3;
    }, 20_000).catch(async (error) => {
      const res = await ctx.request({
        method: 'GET',
        url: `/api/mail/outbox?ticket_id=${ticket.id}`,
        headers: operator.auth,
      });
      throw new Error(
        `${error}\n${JSON.stringify(res.body)}\n${workers.map((w) => w.output.join('')).join('\n---\n')}`,
      );
    });
    const killed = workers.splice(0);
    await Promise.all(killed.map(({ child }) => stop(child, 'SIGKILL')));
    await mailStack(stack, 'start-smtp');
    startWorker();
    for (const n of [1, 2, 3]) await expectDeliveredOnce(customer, `Kill test answer ${n}.`);
  });
});
