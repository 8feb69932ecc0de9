import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MailClient, type MailStack, mailEnv, newAddress, startMailStack } from '../helpers/mail.js';
import { waitUntil } from '../helpers/wait.js';

/**
 * `npm start` as a user runs it: the real entry point in a child process, on the embedded database in a
 * fresh folder, with the email channel configured. Proves the wiring the in-process tests skip.
 */
const root = path.resolve(import.meta.dirname, '../..');
const port = 18_000 + Math.floor(Math.random() * 2000);
const base = `http://127.0.0.1:${port}`;
let server: ChildProcess;
let stack: MailStack;
let support: string;
let dataDir: string;
const output: string[] = [];

beforeAll(async () => {
  stack = await startMailStack();
  support = newAddress(stack, 'support');
  dataDir = mkdtempSync(path.join(tmpdir(), 'sd-server-'));
  server = spawn(path.join(root, 'node_modules/.bin/tsx'), ['src/server.ts'], {
    cwd: root,
    env: {
      ...process.env,
      ...mailEnv(stack, support),
      PORT: String(port),
      DATA_DIR: dataDir,
      ADMIN_EMAIL: 'admin@example.com',
      ADMIN_PASSWORD: 'admin-password',
      TEST_DATABASE_URL: '',
      DATABASE_URL: '',
      REDIS_URL: '',
      REDIS_HOST: '',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  server.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  await waitUntil(async () => (await fetch(`${base}/api/health`)).ok, 60_000, 250).catch((error) => {
    throw new Error(`${error}\n${output.join('')}`);
  });
}, 90_000);

afterAll(async () => {
  if (server.exitCode === null) {
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.kill('SIGTERM');
    await exited;
  }
  rmSync(dataDir, { recursive: true, force: true });
});

async function json<T>(response: Response): Promise<T> {
  return (await response.json()) as T;
}

describe('npm start', () => {
  it('serves Swagger UI and the OpenAPI document', async () => {
    expect((await fetch(`${base}/api/docs/`)).status).toBe(200);
    const doc = await json<{ paths: Record<string, unknown> }>(await fetch(`${base}/api/openapi.json`));
    expect(Object.keys(doc.paths)).toContain('/api/tickets');
  });

  it('creates the configured admin, and turns a customer’s mail into a ticket', async () => {
    const login = await fetch(`${base}/api/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'username=admin@example.com&password=admin-password',
    });
    expect(login.status).toBe(200);
    const { access_token } = await json<{ access_token: string }>(login);
    const customer = new MailClient(stack, newAddress(stack, 'walkin'));
    await customer.send({ to: support, subject: 'Started with npm start', text: 'Does mail work?' });
    const ticket = await waitUntil(async () => {
      const res = await fetch(`${base}/api/tickets`, { headers: { authorization: `Bearer ${access_token}` } });
      const body = await json<{ data: { subject: string; id: number }[] }>(res);
      return body.data.find((t) => t.subject === 'Started with npm start');
    }, 15_000);
    await customer.waitForMail((m) => (m.subject ?? '').includes(`[#${ticket.id}]`), 15_000);
  });

  it('stops cleanly on SIGTERM', async () => {
    const exited = new Promise<number | null>((resolve) => server.once('exit', (code) => resolve(code)));
    server.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
