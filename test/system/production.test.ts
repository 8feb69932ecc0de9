import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  establishedRemotePorts,
  freePort,
  ManagedProcess,
  mustRun,
  nodeLeaf,
  runCommand,
  sleep,
} from '../../scripts/soak/proc.js';
import { SoakRedis } from '../../scripts/soak/services.js';
import {
  dovecotImapSessions,
  MailClient,
  type MailStack,
  mailEnv,
  mailQueueEmpty,
  newAddress,
  startMailStack,
} from '../helpers/mail.js';
import { testPostgresUrl } from '../helpers/services.js';
import { waitUntil } from '../helpers/wait.js';

/**
 * The README's production commands, run as written, in a copy of this checkout: install, build, prune,
 * migrate, then `node dist/server.js` twice (two API processes without mail settings, as the distributed
 * example runs them) and `node dist/worker.js` twice, on one fresh PostgreSQL database, a Redis of this
 * file's own (restarted and stopped here) and the test mail stack (an instance of this file's own). On that
 * one deployment, in turn, each fault issue 13 reported: a token from one API on the other; an answer
 * accepted by an API without SMTP settings; login limits over both APIs; Redis restarted under mail
 * traffic; the mailbox's holder killed; an answer during a Redis outage; a SIGTERM to an API's group.
 */

const root = path.resolve(import.meta.dirname, '../..');
const ADMIN = { email: 'admin@example.com', password: 'Quartz-Lantern-4417-Ferry' };

let copy: string;
let logs: string;
let stack: MailStack;
let support: string;
let redis: SoakRedis;
let adminUrl: string;
let databaseName: string;
let common: NodeJS.ProcessEnv;
let commands: { install: string[]; api: string; worker: string };
const processes: ManagedProcess[] = [];
/** An API process: its public URL and its metrics listener (METRICS_PORT). */
const apis: { url: string; metrics: string; process: ManagedProcess }[] = [];
/** A worker process and its probes (WORKER_HEALTH_PORT). */
interface Worker {
  health: string;
  process: ManagedProcess;
}
const workers: Worker[] = [];
let token: string;

/** The block under `<!-- production-commands` in the README, one command per line. */
function productionCommands(): string[] {
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
  const from = readme.indexOf('<!-- production-commands');
  const block = /```bash\n([\s\S]*?)```/.exec(readme.slice(from));
  if (from < 0 || !block?.[1]) throw new Error('README: no production-commands block');
  return block[1].split('\n').filter((line) => line.trim() !== '');
}

/** Every file git would commit, copied: the checkout as a fresh clone has it (no node_modules, no dist). */
async function copyCheckout(to: string): Promise<void> {
  const listed = await mustRun('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root });
  for (const file of listed.split('\0')) {
    // A file deleted in the working tree is still listed until the deletion is committed.
    if (file === '' || !existsSync(path.join(root, file))) continue;
    mkdirSync(path.join(to, path.dirname(file)), { recursive: true });
    copyFileSync(path.join(root, file), path.join(to, file));
  }
}

/**
 * One README line, as written. npm is told (by its environment, not the command) to take what its cache
 * has without asking the registry again, and to skip the audit: this checkout's own install has just
 * fetched the same locked packages.
 */
function run(line: string, env: NodeJS.ProcessEnv) {
  const npm = { npm_config_prefer_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false' };
  return runCommand('bash', ['-c', line], { cwd: copy, env: { ...env, ...npm }, timeoutMs: 300_000 });
}

function start(name: string, line: string, env: NodeJS.ProcessEnv): ManagedProcess {
  const child = ManagedProcess.start(name, 'bash', ['-c', line], {
    cwd: copy,
    env,
    logFile: path.join(logs, `${name}.log`),
  });
  processes.push(child);
  return child;
}

async function startApi(name: string): Promise<{ url: string; metrics: string; process: ManagedProcess }> {
  const [port, metricsPort] = [await freePort(), await freePort()];
  const child = start(name, commands.api, { ...common, PORT: String(port), METRICS_PORT: String(metricsPort) });
  const url = `http://127.0.0.1:${port}`;
  await waitUntil(async () => {
    if (!child.running) throw new Error(`${name} exited:\n${child.lastLines(30).join('\n')}`);
    return (await fetch(`${url}/api/health`)).ok;
  }, 60_000);
  const api = { url, metrics: `http://127.0.0.1:${metricsPort}`, process: child };
  apis.push(api);
  return api;
}

/** A worker with the mail settings (the APIs have none), and its probes on a port of its own. */
async function startWorker(name: string): Promise<Worker> {
  const port = await freePort();
  const child = start(name, commands.worker, {
    ...common,
    ...mailEnv(stack, support),
    WORKER_HEALTH_PORT: String(port),
  });
  const health = `http://127.0.0.1:${port}`;
  await waitUntil(async () => {
    if (!child.running) throw new Error(`${name} exited:\n${child.lastLines(30).join('\n')}`);
    return (await fetch(`${health}/health`).catch(() => undefined))?.ok;
  }, 60_000);
  const worker = { health, process: child };
  workers.push(worker);
  return worker;
}

/** The IMAP connections each worker holds now, by its sockets (a leaked session counts too). */
function imapSessions(): number[] {
  return workers.map(({ process: w }) =>
    w.running && w.pid !== undefined
      ? establishedRemotePorts(nodeLeaf(w.pid)).filter((port) => port === stack.imapPort).length
      : 0,
  );
}

/** The worker that watches the mailbox once exactly one IMAP session is open in all, from one worker. */
async function watchedBy(timeoutMs: number): Promise<Worker> {
  return waitUntil(
    async () => {
      const now = imapSessions();
      return now.reduce((a, b) => a + b, 0) === 1 ? workers[now.indexOf(1)] : undefined;
    },
    timeoutMs,
    50,
  );
}

/**
 * When the mailbox came to be watched steadily: one session in all, from the same worker, for a second on
 * end (not the old holder's session about to close, nor a moment between two).
 */
async function watchedSteadily(timeoutMs: number): Promise<{ worker: Worker; since: number }> {
  const deadline = Date.now() + timeoutMs;
  let current: { worker: Worker; since: number } | undefined;
  while (Date.now() < deadline) {
    const now = imapSessions();
    const holder = now.reduce((a, b) => a + b, 0) === 1 ? workers[now.indexOf(1)] : undefined;
    if (!holder) current = undefined;
    else if (holder !== current?.worker) current = { worker: holder, since: Date.now() };
    else if (Date.now() - current.since >= 1_000) return current;
    await sleep(50);
  }
  throw new Error(`the mailbox was not watched by one session within ${timeoutMs} ms: ${imapSessions()}`);
}

/** One session, for a second on end (not a moment between two), and Dovecot counts one too. */
async function expectOneSession(): Promise<void> {
  for (let i = 0; i < 10; i++) {
    expect(imapSessions().reduce((a, b) => a + b, 0)).toBe(1);
    await sleep(100);
  }
  expect(await dovecotImapSessions(stack, support)).toBe(1);
}

/** A worker's `mailbox_lease_held` gauge (1 while it watches the mailbox). */
async function leaseHeld(worker: Worker): Promise<number> {
  const text = await (await fetch(`${worker.health}/metrics`)).text();
  return Number(/^mailbox_lease_held (\d+)$/m.exec(text)?.[1]);
}

/** The JSON lines a process logged. */
function logLines(child: ManagedProcess): Record<string, unknown>[] {
  return child.lastLines(200).flatMap((line) => {
    try {
      return [JSON.parse(line) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
}

async function call<T = { data: Record<string, unknown> }>(
  base: string,
  method: string,
  url: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: T; ms: number }> {
  const started = performance.now();
  const res = await fetch(`${base}${url}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as T, ms: performance.now() - started };
}

type Listed = { data: { id: number; subject: string; status?: string; creator?: { email: string } }[] };

async function ticketOpenedBy(customer: MailClient, subject: string): Promise<number> {
  await customer.send({ to: support, subject, text: 'Please help.' });
  const api = apis[1] ?? apis[0];
  if (!api) throw new Error('no API running');
  const found = await waitUntil(async () => {
    const res = await call<Listed>(api.url, 'GET', '/api/tickets?limit=100');
    return res.body.data.find((t) => t.subject === subject && t.creator?.email === customer.address);
  }, 60_000);
  return found.id;
}

/**
 * Nothing more of a ticket's mail can arrive: each of its outbox rows sent, and Postfix's queue empty. (Not
 * the whole outbox: a row a killed worker had claimed waits out that claim, 2 minutes, before another
 * worker sends it.)
 */
async function mailSettled(base: string, ticket: number): Promise<void> {
  await waitUntil(async () => {
    const rows = await call<{ data: { status: string }[] }>(base, 'GET', `/api/mail/outbox?ticket_id=${ticket}`);
    return rows.body.data.every((row) => row.status === 'sent') && (await mailQueueEmpty(stack));
  }, 60_000);
}

async function received(customer: MailClient, text: string): Promise<number> {
  return (await customer.inbox()).filter(({ parsed }) => (parsed.text ?? '').includes(text)).length;
}

beforeAll(async () => {
  copy = mkdtempSync(path.join(tmpdir(), 'sd-production-'));
  logs = path.join(copy, '.test-logs');
  mkdirSync(logs);
  stack = await startMailStack({ name: 'production', portOffset: 60 });
  support = newAddress(stack, 'support');
  redis = new SoakRedis(copy, await freePort(), logs);
  await redis.start();
  adminUrl = testPostgresUrl();
  databaseName = `sd_production_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${databaseName}`);
  await admin.end();
  const databaseUrl = new URL(adminUrl);
  databaseUrl.pathname = `/${databaseName}`;
  // Only what an operator would set: nothing of the test runner's environment leaks in.
  common = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    ENVIRONMENT: 'production',
    DATABASE_URL: databaseUrl.toString(),
    SECRET_KEY: randomBytes(48).toString('base64'),
    REDIS_URL: redis.url,
    REDIS_PREFIX: `sd-production-${randomBytes(4).toString('hex')}`,
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
    LOG_LEVEL: 'info',
  };
  const lines = productionCommands();
  const api = lines.find((line) => line.includes('node dist/server.js'));
  const worker = lines.find((line) => line.includes('node dist/worker.js'));
  if (!api || !worker) throw new Error('README: the production block starts no API or no worker');
  commands = { install: lines.filter((line) => line !== api && line !== worker), api, worker };
  await copyCheckout(copy);
}, 300_000);

afterAll(async () => {
  await Promise.all(processes.map((child) => child.stop('SIGTERM', 10_000)));
  await redis?.destroy();
  if (databaseName) {
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${databaseName} WITH (FORCE)`);
    await admin.end();
  }
  if (copy) rmSync(copy, { recursive: true, force: true });
}, 60_000);

// Sequential: each test builds on the processes the one before started. A 2-core machine: generous limits.
describe('the README production commands', { timeout: 300_000 }, () => {
  it('install, build and migrate; an API refuses to start without a shared SECRET_KEY or on an old schema', async () => {
    const migrate = commands.install.find((line) => line.includes('migrate'));
    expect(migrate).toBeDefined();
    for (const line of commands.install.filter((l) => l !== migrate)) {
      const result = await run(line, common);
      expect(result.code, `${line}\n${result.output}`).toBe(0);
    }

    const { SECRET_KEY: _, ...withoutKey } = common;
    const keyless = await run(commands.api, { ...withoutKey, ENVIRONMENT: 'development', PORT: '0' });
    expect(keyless.code).toBe(1);
    expect(keyless.output).toContain('SECRET_KEY is required with DATABASE_URL');

    const early = await run(commands.api, { ...common, PORT: '0' });
    expect(early.code).toBe(1);
    expect(early.output).toContain('run `npm run migrate` first');

    const migrated = await run(migrate ?? '', common);
    expect(migrated.code, migrated.output).toBe(0);
    expect(migrated.output).toContain('Migrations applied');
  });

  it('two APIs without mail settings: a token from one works on the other; a worker mails the answer', async () => {
    const [a, b] = [await startApi('api-a'), await startApi('api-b')];
    await startWorker('worker-1');
    await startWorker('worker-2');
    const login = await fetch(`${a.url}/api/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ username: ADMIN.email, password: ADMIN.password }),
    });
    expect(login.status).toBe(200);
    token = ((await login.json()) as { access_token: string }).access_token;
    const me = await call<{ data: { id: number } }>(b.url, 'GET', '/api/users/me');
    expect(me.status).toBe(200);
    // Each API said at start-up that it has no SMTP settings and who mails instead; started before any
    // worker on a new database, that no worker had announced a mail channel yet.
    const started = a.process.lastLines(200).join('\n');
    expect(started).toContain('answers go to the outbox, and a worker that has them mails them');
    expect(started).toContain('no worker with SMTP settings has started on this database yet');

    const customer = new MailClient(stack, newAddress(stack, 'ann'));
    const ticket = await ticketOpenedBy(customer, 'Printer on fire');
    const answer = await call(
      a.url,
      'POST',
      `/api/tickets/${ticket}/messages`,
      { text: 'Mailed by a worker.' },
      { 'x-request-id': 'production-answer' },
    );
    expect(answer.status).toBe(201);
    expect(a.process.lastLines(200).join('\n')).toContain('mail channel found');
    await customer.waitForMail((mail) => (mail.text ?? '').includes('Mailed by a worker.'), 60_000);
    await mailSettled(a.url, ticket);
    expect(await received(customer, 'Mailed by a worker.')).toBe(1);

    // What an on-call operator reads: the API's one line for the answer, the worker's line for its mail,
    // linked by the request id; the lease holder in the workers' metrics; the request in the API's.
    const request = logLines(a.process).filter((line) => line.reqId === 'production-answer' && line.msg === 'request');
    expect(request).toEqual([
      expect.objectContaining({ role: 'api', msg: 'request', status: 201, userRole: 'admin', userId: me.body.data.id }),
    ]);
    const mailed = workers.flatMap((w) => logLines(w.process)).filter((line) => line.reqId === 'production-answer');
    expect(mailed).toContainEqual(expect.objectContaining({ role: 'worker', msg: 'mail sent' }));
    const held = await waitUntil(async () => {
      const gauges = await Promise.all(workers.map(leaseHeld));
      return gauges.reduce((x, y) => x + y, 0) === 1 && gauges;
    }, 15_000);
    expect(held.toSorted()).toEqual([0, 1]);
    const metrics = await (await fetch(`${a.metrics}/metrics`)).text();
    expect(metrics).toMatch(
      /^http_request_duration_seconds_count\{[^}]*route="\/api\/tickets\/:ticket_id\/messages"[^}]*status="201"[^}]*\} 1$/m,
    );
  });

  it('counts wrong passwords over both APIs: the configured limit in total, not once per process', async () => {
    const [a, b] = apis;
    if (!a || !b) throw new Error('the APIs did not start');
    const account = { email: newAddress(stack, 'guessed'), username: `guessed${Date.now()}`, password: ADMIN.password };
    const signUp = await fetch(`${a.url}/api/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(account),
    });
    expect(signUp.status).toBe(201);
    const login = (base: string, password: string) =>
      fetch(`${base}/api/auth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: account.username, password }),
      }).then((res) => res.status);
    // LOGIN_FAILURES_PER_ACCOUNT is 10 by default. Counted per process, 20 guesses would get through.
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push(await login(i % 2 ? b.url : a.url, 'not-the-password'));
    expect(statuses).toEqual([...Array.from({ length: 10 }, () => 401), 429, 429]);
    for (const api of [a, b]) expect(await login(api.url, account.password)).toBe(429);
  });

  it('Redis restarted under mail traffic: watched again within 5 s by one IMAP session; each mail one ticket', async () => {
    expect(await watchedBy(30_000)).toBeDefined();
    await expectOneSession();
    // Customers keep writing (a mail every 200 ms, each from its own address) while Redis goes away and
    // comes back: a moment, and longer than a lease (3.5 s: the holder stops watching, someone takes over).
    const sent: string[] = [];
    let writing = true;
    const traffic = (async () => {
      for (let n = 1; writing; n++) {
        const subject = `Traffic ${n}`;
        await new MailClient(stack, newAddress(stack, 'writer')).send({ to: support, subject, text: 'Still there?' });
        sent.push(subject);
        await sleep(200);
      }
    })();
    const watchedAgainMs: number[] = [];
    try {
      for (const downMs of [200, 5_000]) {
        await redis.shutdown();
        await sleep(downMs);
        await redis.start();
        const back = Date.now();
        const { since } = await watchedSteadily(15_000);
        watchedAgainMs.push(Math.max(0, since - back));
        await expectOneSession();
      }
    } finally {
      writing = false;
      await traffic;
    }
    expect(
      watchedAgainMs.every((ms) => ms < 5_000),
      `watched again after ${watchedAgainMs.join(', ')} ms`,
    ).toBe(true);
    expect(sent.length).toBeGreaterThan(15);
    // Every mail became exactly one ticket.
    const db = new pg.Client({ connectionString: common.DATABASE_URL });
    await db.connect();
    try {
      const counts = await waitUntil(async () => {
        const { rows } = await db.query<{ subject: string; n: number }>(
          "SELECT subject, count(*)::int AS n FROM tickets WHERE subject LIKE 'Traffic %' GROUP BY subject",
        );
        return rows.length === sent.length && rows;
      }, 60_000);
      expect(counts.filter((row) => row.n !== 1)).toEqual([]);
    } finally {
      await db.end();
    }
  });

  it('the mailbox holder killed outright (SIGKILL): the other worker watches within 5 s', async () => {
    const holder = await watchedBy(10_000);
    const other = workers.find((w) => w !== holder);
    if (!other) throw new Error('one worker only');
    await holder.process.kill();
    const killed = Date.now();
    workers.splice(workers.indexOf(holder), 1);
    expect(await watchedBy(10_000)).toBe(other);
    const takeoverMs = Date.now() - killed;
    expect(takeoverMs, `taken over after ${takeoverMs} ms`).toBeLessThan(5_000);
    await expectOneSession();
    expect(await leaseHeld(other)).toBe(1);
    expect(logLines(other.process).some((line) => String(line.msg).includes('mailbox lease taken'))).toBe(true);
    await ticketOpenedBy(new MailClient(stack, newAddress(stack, 'cid')), 'After the holder died');
    // The orchestrator starts a replacement, which waits its turn: still one session.
    await startWorker('worker-3');
    await sleep(2_000);
    await expectOneSession();
  });

  it('an answer during a Redis outage returns at once and is mailed once Redis is back', async () => {
    const [, b] = apis;
    if (!b) throw new Error('the APIs did not start');
    const customer = new MailClient(stack, newAddress(stack, 'bea'));
    const ticket = await ticketOpenedBy(customer, 'Redis goes away');
    await redis.shutdown();
    // Readiness says so (a load balancer stops sending here), on the API and on the workers.
    const ready = await waitUntil(async () => {
      const res = await fetch(`${b.url}/api/health/ready`);
      return res.status === 503 && ((await res.json()) as { detail: string });
    }, 10_000);
    expect(ready.detail).toBe('Redis unavailable');
    for (const worker of workers) {
      await waitUntil(async () => (await fetch(`${worker.health}/ready`)).status === 503, 10_000);
    }
    const answer = await call(
      b.url,
      'POST',
      `/api/tickets/${ticket}/messages`,
      { text: 'Sent despite Redis.' },
      { 'x-request-id': 'production-outage' },
    );
    expect(answer.status).toBe(201);
    expect(answer.ms).toBeLessThan(1_000);
    const outbox = await call<{ data: { status: string }[] }>(b.url, 'GET', `/api/mail/outbox?ticket_id=${ticket}`);
    expect(outbox.body.data.map((row) => row.status)).toContain('pending');
    await redis.start();
    await waitUntil(async () => (await fetch(`${b.url}/api/health/ready`)).ok, 10_000);
    await customer.waitForMail((mail) => (mail.text ?? '').includes('Sent despite Redis.'), 60_000);
    await mailSettled(b.url, ticket);
    expect(await received(customer, 'Sent despite Redis.')).toBe(1);
    // The sweeper queued it (the request could not): the worker's line still names the request.
    const mailed = workers.flatMap((w) => logLines(w.process)).filter((line) => line.reqId === 'production-outage');
    expect(mailed).toContainEqual(expect.objectContaining({ role: 'worker', msg: 'mail sent' }));
  });

  it('a SIGTERM to the process group (systemd, docker stop) fails no request already sent', async () => {
    const [a, b] = apis;
    if (!a || !b) throw new Error('the APIs did not start');
    const created = await call<{ data: { id: number } }>(a.url, 'POST', '/api/tickets', {
      subject: 'Drain me',
      description: 'Notes arrive while the API stops.',
    });
    expect(created.status).toBe(201);
    const ticket = created.body.data.id;
    // Twenty requests in flight, each on its own connection: headers and half the body sent, the rest
    // after the signal. The server has them all; every one must be answered.
    const inFlight = Array.from({ length: 20 }, (_, n) => slowPost(a.url, `/api/tickets/${ticket}/messages`, n));
    await Promise.all(inFlight.map((request) => request.headersSent));
    await new Promise((resolve) => setTimeout(resolve, 300));
    if (a.process.pid === undefined) throw new Error('no pid');
    process.kill(-a.process.pid, 'SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 200));
    for (const request of inFlight) request.finish();
    const statuses = await Promise.all(inFlight.map((request) => request.status));
    expect(statuses).toEqual(Array.from({ length: 20 }, () => 201));
    const exit = await a.process.exited;
    expect(exit).toEqual({ code: 0, signal: null });
    const notes = await call<{ data: { text: string }[] }>(b.url, 'GET', `/api/tickets/${ticket}/messages?limit=100`);
    expect(notes.body.data.filter((m) => m.text.startsWith('Note during shutdown'))).toHaveLength(20);
  });
});

/** A POST whose body is held back until `finish()`: the request is in flight until then. */
function slowPost(base: string, url: string, n: number) {
  const body = Buffer.from(JSON.stringify({ text: `Note during shutdown ${n}`, internal: true }));
  const target = new URL(url, base);
  let finish: () => void = () => undefined;
  let headersSent: () => void = () => undefined;
  const sent = new Promise<void>((resolve) => {
    headersSent = resolve;
  });
  const status = new Promise<number>((resolve, reject) => {
    const req = http.request(
      target,
      {
        method: 'POST',
        agent: false,
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'content-length': body.length,
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.write(body.subarray(0, 10), () => headersSent());
    finish = () => {
      req.end(body.subarray(10));
    };
  });
  return { headersSent: sent, status, finish: () => finish() };
}
