import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, ManagedProcess } from '../../scripts/soak/proc.js';
import { TestContext } from '../helpers/context.js';
import { waitUntil } from '../helpers/wait.js';

/**
 * Issue 13, point 2: API processes on one PostgreSQL database with different SECRET_KEYs answered each
 * other's tokens 401, nothing logged. Real API processes (`src/server.ts`) on one database: one started
 * with another key than a running one refuses to start and says why; with the same key it starts; once
 * every process with the old key has stopped, the new key starts (changing the key).
 */
const root = path.resolve(import.meta.dirname, '../..');
const oldKey = randomBytes(48).toString('base64');
const newKey = randomBytes(48).toString('base64');

let ctx: TestContext;
let logs: string;
const processes: ManagedProcess[] = [];

beforeAll(async () => {
  logs = mkdtempSync(path.join(tmpdir(), 'sd-shared-key-'));
  ctx = await TestContext.create({}, { postgres: true });
}, 60_000);

afterAll(async () => {
  await Promise.all(processes.map((child) => child.stop('SIGTERM', 10_000)));
  await ctx?.close();
  rmSync(logs, { recursive: true, force: true });
});

async function startApi(
  name: string,
  secretKey: string,
): Promise<{ process: ManagedProcess; ready: Promise<boolean> }> {
  const port = await freePort();
  const child = ManagedProcess.start(name, path.join(root, 'node_modules/.bin/tsx'), ['src/server.ts'], {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      PORT: String(port),
      DATABASE_URL: ctx.databaseUrl ?? '',
      SECRET_KEY: secretKey,
      LOG_LEVEL: 'warn',
    },
    logFile: path.join(logs, `${name}.log`),
  });
  processes.push(child);
  // True once it answers; false when it exits first.
  const ready = waitUntil(async () => {
    if (!child.running) return 'exited';
    return (await fetch(`http://127.0.0.1:${port}/api/health`).catch(() => undefined))?.ok && 'up';
  }, 60_000).then((state) => state === 'up');
  return { process: child, ready };
}

describe('API processes on one database', { timeout: 180_000 }, () => {
  it('refuse to start with another SECRET_KEY than a running one; the same key starts; a new key once all stopped', async () => {
    const first = await startApi('api-old-1', oldKey);
    expect(await first.ready).toBe(true);

    const other = await startApi('api-new-1', newKey);
    expect(await other.ready).toBe(false);
    expect(await other.process.exited).toEqual({ code: 1, signal: null });
    const said = other.process.lastLines(50).join('\n');
    expect(said).toContain('SECRET_KEY differs from the one of the API process running on');
    expect(said).not.toContain(oldKey);
    expect(said).not.toContain(newKey);

    const same = await startApi('api-old-2', oldKey);
    expect(await same.ready).toBe(true);

    // Changing the key: every process with the old one stops (SIGTERM removes its registration)...
    await first.process.stop('SIGTERM', 10_000);
    await same.process.stop('SIGTERM', 10_000);
    // ...then the new key starts.
    const changed = await startApi('api-new-2', newKey);
    expect(await changed.ready).toBe(true);
  });
});
