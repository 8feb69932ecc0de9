import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, ManagedProcess, mustRun, runCommand } from '../../scripts/soak/proc.js';
import { SoakRedis } from '../../scripts/soak/services.js';
import { MailClient, type MailStack, mailEnv, mailQueueEmpty, newAddress, startMailStack } from '../helpers/mail.js';
import { testPostgresUrl } from '../helpers/services.js';
import { waitUntil } from '../helpers/wait.js';

/**
 * The README's production commands, run as written, in a copy of this checkout: install, build, prune,
 * migrate, then `node dist/server.js` twice (two API processes without mail settings, as the distributed
 * example runs them) and `node dist/worker.js` twice, on one fresh PostgreSQL database, a Redis of this
 * file's own (stopped in one test) and the test mail stack.
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
const apis: { url: string; process: ManagedProcess }[] = [];
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

function run(line: string, env: NodeJS.ProcessEnv) {
  return runCommand('bash', ['-c', line], { cwd: copy, env, timeoutMs: 300_000 });
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

async function startApi(name: string): Promise<{ url: string; process: ManagedProcess }> {
  const port = await freePort();
  const child = start(name, commands.api, { ...common, PORT: String(port) });
  const url = `http://127.0.0.1:${port}`;
  await waitUntil(async () => {
    if (!child.running) throw new Error(`${name} exited:\n${child.lastLines(30).join('\n')}`);
    return (await fetch(`${url}/api/health`)).ok;
  }, 60_000);
  const api = { url, process: child };
  apis.push(api);
  return api;
}

async function call<T = { data: Record<string, unknown> }>(
  base: string,
  method: string,
  url: string,
  body?: unknown,
): Promise<{ status: number; body: T; ms: number }> {
  const started = performance.now();
  const res = await fetch(`${base}${url}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
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

/** Nothing more can arrive: no outbox row pending and Postfix's queue empty. */
async function mailSettled(base: string): Promise<void> {
  await waitUntil(async () => {
    const pending = await call<Listed>(base, 'GET', '/api/mail/outbox?status=pending&limit=1');
    return pending.body.data.length === 0 && (await mailQueueEmpty(stack));
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
    const workerEnv = { ...common, ...mailEnv(stack, support) };
    start('worker-1', commands.worker, workerEnv);
    start('worker-2', commands.worker, workerEnv);
    const login = await fetch(`${a.url}/api/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ username: ADMIN.email, password: ADMIN.password }),
    });
    expect(login.status).toBe(200);
    token = ((await login.json()) as { access_token: string }).access_token;
    expect((await call(b.url, 'GET', '/api/users/me')).status).toBe(200);
    // Each API said at start-up that it has no SMTP settings and who mails instead.
    expect(a.process.lastLines(200).join('\n')).toContain('answers are mailed by a worker that has them');

    const customer = new MailClient(stack, newAddress(stack, 'ann'));
    const ticket = await ticketOpenedBy(customer, 'Printer on fire');
    const answer = await call(a.url, 'POST', `/api/tickets/${ticket}/messages`, { text: 'Mailed by a worker.' });
    expect(answer.status).toBe(201);
    await customer.waitForMail((mail) => (mail.text ?? '').includes('Mailed by a worker.'), 60_000);
    await mailSettled(a.url);
    expect(await received(customer, 'Mailed by a worker.')).toBe(1);
  });

  it('an answer during a Redis outage returns at once and is mailed once Redis is back', async () => {
    const [, b] = apis;
    if (!b) throw new Error('the APIs did not start');
    const customer = new MailClient(stack, newAddress(stack, 'bea'));
    const ticket = await ticketOpenedBy(customer, 'Redis goes away');
    await redis.shutdown();
    const answer = await call(b.url, 'POST', `/api/tickets/${ticket}/messages`, { text: 'Sent despite Redis.' });
    expect(answer.status).toBe(201);
    expect(answer.ms).toBeLessThan(1_000);
    const outbox = await call<{ data: { status: string }[] }>(b.url, 'GET', `/api/mail/outbox?ticket_id=${ticket}`);
    expect(outbox.body.data.map((row) => row.status)).toContain('pending');
    await redis.start();
    await customer.waitForMail((mail) => (mail.text ?? '').includes('Sent despite Redis.'), 60_000);
    await mailSettled(b.url);
    expect(await received(customer, 'Sent despite Redis.')).toBe(1);
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
