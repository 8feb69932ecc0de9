import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { establishedRemotePorts, freePort, ManagedProcess, nodeLeaf, sleep } from '../../../scripts/soak/proc.js';
import { SoakRedis } from '../../../scripts/soak/services.js';
import { MailboxWatcher } from '../../../src/email/inbound/mailbox-watcher.js';
import type { TicketView } from '../../../src/tickets/ticket-schemas.js';
import { type Page, TestContext, type TestUser } from '../../helpers/context.js';
import {
  deliverRaw,
  dovecotImapSessions,
  type MailStack,
  mailEnv,
  newAddress,
  startMailStack,
} from '../../helpers/mail.js';
import { waitUntil } from '../../helpers/wait.js';
import type { MailboxView } from './desk.js';

/**
 * Two `npm run worker` processes share PostgreSQL and a Redis server of this file's own (started here on
 * a free port, so it can be stopped and restarted; the shared test Redis is never touched). Whichever holds
 * the mailbox's lease watches it. Checked from outside: the workers' TCP connections to IMAP (one session
 * in all, from the holder), Dovecot's own list of sessions, and /api/mail/mailboxes.
 */

const root = path.resolve(import.meta.dirname, '../../..');

let stack: MailStack;
let redis: SoakRedis;
let dir: string;
let ctx: TestContext;
let support: string;
let operator: TestUser;
let workerEnv: Record<string, string>;
const workers: ManagedProcess[] = [];

beforeAll(async () => {
  stack = await startMailStack({ name: 'lease', portOffset: 50 });
  dir = mkdtempSync(path.join(tmpdir(), 'sd-mail-lease-'));
  mkdirSync(path.join(dir, 'log'));
  redis = new SoakRedis(dir, await freePort(), path.join(dir, 'log'));
  await redis.start();
  support = newAddress(stack, 'support');
  const env = {
    ...mailEnv(stack, support),
    REDIS_URL: redis.url,
    REDIS_PREFIX: `sd-lease-${randomBytes(4).toString('hex')}`,
  };
  ctx = await TestContext.create(env, { postgres: true });
  operator = await ctx.newUser('operator');
  workerEnv = { ...env, DATABASE_URL: ctx.databaseUrl ?? '', LOG_LEVEL: 'info', SECRET_KEY: 'x'.repeat(40) };
});

afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop('SIGTERM', 5_000)));
  await ctx?.close();
  await redis?.destroy();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function startWorker(n: number): ManagedProcess {
  const worker = ManagedProcess.start(`worker-${n}`, path.join(root, 'node_modules/.bin/tsx'), ['src/worker.ts'], {
    cwd: root,
    env: { ...process.env, ...workerEnv },
    logFile: path.join(dir, 'log', `worker-${n}.log`),
  });
  workers.push(worker);
  return worker;
}

/** The IMAP connections each worker holds right now (by its sockets, so a leaked one is seen too). */
function sessions(): number[] {
  return workers.map((w) =>
    w.running && w.pid !== undefined
      ? establishedRemotePorts(nodeLeaf(w.pid)).filter((p) => p === stack.imapPort).length
      : 0,
  );
}

/** Dovecot's count of the support user's IMAP sessions. */
const dovecotSessions = () => dovecotImapSessions(stack, support);

/** Exactly one IMAP session in all, from one worker; holds for a second (not a moment between two). */
async function watchedOnce(timeoutMs: number): Promise<ManagedProcess> {
  const holder = await waitUntil(
    async () => {
      const now = sessions();
      if (now.reduce((a, b) => a + b, 0) !== 1) return undefined;
      return workers[now.indexOf(1)];
    },
    timeoutMs,
    50,
  );
  return holder;
}

async function expectStableSingleSession(): Promise<void> {
  for (let i = 0; i < 10; i++) {
    expect(sessions().reduce((a, b) => a + b, 0)).toBe(1);
    await sleep(100);
  }
  expect(await dovecotSessions()).toBe(1);
}

async function mailbox(): Promise<MailboxView | undefined> {
  const res = await ctx.request<{ data: MailboxView[] }>({
    method: 'GET',
    url: '/api/mail/mailboxes',
    headers: operator.auth,
  });
  expect(res.status).toBe(200);
  return res.body.data.find((m) => m.mailbox === support.toLowerCase());
}

/** A mail put straight into the mailbox becomes a ticket: someone watches. */
async function expectIngested(subject: string): Promise<void> {
  const from = newAddress(stack, 'customer');
  await deliverRaw(
    stack,
    support,
    `From: ${from}\r\nTo: ${support}\r\nSubject: ${subject}\r\nMessage-ID: <${randomBytes(8).toString('hex')}@test>\r\n\r\nHello.\r\n`,
  );
  await waitUntil(async () => {
    const res = await ctx.request<Page<TicketView>>({
      method: 'GET',
      url: '/api/tickets?limit=200',
      headers: operator.auth,
    });
    return res.body.data.some((t) => t.subject === subject);
  }, 15_000);
}

/** A line of the worker's log says `message` and names the mailbox. */
const logged = (worker: ManagedProcess, message: string) =>
  worker.lastLines(200).some((line) => line.includes(message) && line.includes(support.toLowerCase()));

const output = () => workers.map((w) => `--- ${w.name}\n${w.lastLines(40).join('\n')}`).join('\n');

describe('two workers, one mailbox lease', { timeout: 90_000 }, () => {
  it('survives Redis restarts and a killed holder with one IMAP session; reports when it was last alive', async () => {
    startWorker(1);
    startWorker(2);
    const first = await watchedOnce(40_000).catch((error) => {
      throw new Error(`${error}\n${output()}`);
    });
    await expectStableSingleSession();
    expect(logged(first, 'mailbox lease taken')).toBe(true);
    const alive = await mailbox();
    expect(alive).toMatchObject({ connected: true });
    expect(alive?.last_alive_at).not.toBeNull();

    // A short restart: the holder never stops watching.
    await redis.shutdown();
    await redis.start();
    await sleep(1_000);
    expect(await watchedOnce(1_000)).toBe(first);

    // Longer than a lease: the holder stops watching (nobody else could take over)...
    await redis.shutdown();
    await waitUntil(async () => sessions().every((n) => n === 0), 5_000, 50);
    await waitUntil(async () => logged(first, 'mailbox lease lost'), 2_000, 50);
    await sleep(1_000);
    // ...and once Redis is back, one worker watches again within 5 s.
    await redis.start();
    const back = Date.now();
    await watchedOnce(10_000);
    expect(Date.now() - back).toBeLessThan(5_000);
    await expectStableSingleSession();
    await expectIngested('After the Redis outage');

    // The holder killed outright: the other worker takes over within 5 s.
    const holder = await watchedOnce(1_000);
    const other = workers.find((w) => w !== holder) as ManagedProcess;
    await holder.kill();
    const killed = Date.now();
    expect(await watchedOnce(10_000)).toBe(other);
    expect(Date.now() - killed).toBeLessThan(5_000);
    await expectStableSingleSession();
    expect(logged(other, 'mailbox lease taken')).toBe(true);
    await expectIngested('After the holder died');

    // No worker left: the heartbeat stops, and "connected" turns false about 10 s later.
    await other.kill();
    const allDead = Date.now();
    const last = await waitUntil(async () => {
      const now = await mailbox();
      return now && !now.connected ? now : undefined;
    }, 20_000);
    expect(Date.now() - allDead).toBeGreaterThan(5_000);
    expect(Date.parse(last.last_alive_at ?? '')).toBeLessThanOrEqual(allDead + 500);
    expect(Date.parse(last.last_alive_at ?? '')).toBeGreaterThan(allDead - 5_000);
  });

  it('a watcher started and stopped in quick succession keeps one IMAP session at most', async () => {
    // A watcher in this process, on the desk's database (its API has Redis, so it runs none itself).
    const imap = ctx.config.mail.imap;
    if (!imap) throw new Error('no IMAP settings');
    const { database, ingest } = ctx.app.services;
    const watcher = new MailboxWatcher(imap, database.db, ingest, ctx.app.log, 5_000);
    const mine = () => establishedRemotePorts(process.pid).filter((p) => p === stack.imapPort).length;
    // Stopped while connecting, at different moments of the connection: nothing stays open.
    for (let i = 0; i < 6; i++) {
      watcher.start();
      await sleep(i * 20);
      await watcher.stop();
    }
    await waitUntil(async () => mine() === 0 && (await dovecotSessions()) === 0, 5_000, 50);
    // Started again while a stop is still under way: one session, from the newest start.
    watcher.start();
    await sleep(50);
    const stopping = watcher.stop();
    watcher.start();
    await stopping;
    await waitUntil(async () => mine() === 1 && (await dovecotSessions()) === 1, 10_000, 50);
    for (let i = 0; i < 10; i++) {
      expect(mine()).toBe(1);
      await sleep(100);
    }
    expect(await dovecotSessions()).toBe(1);
    await expectIngested('One watcher after flapping');
    await watcher.stop();
    await waitUntil(async () => mine() === 0 && (await dovecotSessions()) === 0, 5_000, 50);
  });
});
