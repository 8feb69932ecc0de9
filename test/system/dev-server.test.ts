import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, ManagedProcess, sleep } from '../../scripts/soak/proc.js';
import { waitUntil } from '../helpers/wait.js';

/**
 * `npm run dev` as a developer runs it: the API reloading on change and the console on Vite's dev server,
 * `/api` behind Vite's proxy, on the embedded database; Ctrl+C (SIGINT to the terminal's process group)
 * stops both.
 */
const root = path.resolve(import.meta.dirname, '../..');
let dev: ManagedProcess;
let dataDir: string;
let apiPort: number;
let webPort: number;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'sd-dev-'));
  apiPort = await freePort();
  webPort = await freePort();
  dev = ManagedProcess.start('dev', 'npm', ['run', 'dev'], {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      PORT: String(apiPort),
      WEB_DEV_PORT: String(webPort),
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
    },
    logFile: path.join(dataDir, 'dev.log'),
  });
}, 30_000);

afterAll(async () => {
  await dev.kill();
  rmSync(dataDir, { recursive: true, force: true });
});

async function answers(url: string): Promise<boolean> {
  try {
    await fetch(url);
    return true;
  } catch {
    return false;
  }
}

describe('npm run dev', () => {
  it('serves the console from Vite with the API behind its proxy, and Ctrl+C stops both', {
    timeout: 120_000,
  }, async () => {
    const web = `http://127.0.0.1:${webPort}`;
    await waitUntil(async () => {
      if (!dev.running) throw new Error(`npm run dev exited:\n${dev.lastLines(30).join('\n')}`);
      return (await answers(`http://127.0.0.1:${apiPort}/api/health`)) && (await answers(web));
    }, 90_000);

    // Vite's own page: the sources, not web/dist's hashed bundle, with its hot-reload client.
    const page = await fetch(`${web}/`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('/src/main.tsx');
    expect(html).toContain('/@vite/client');

    // The API through Vite's proxy: the same answer as from the API itself.
    const proxied = await fetch(`${web}/api/health`);
    expect(proxied.status).toBe(200);
    expect(await proxied.json()).toEqual(await (await fetch(`http://127.0.0.1:${apiPort}/api/health`)).json());
    const refused = await fetch(`${web}/api/tickets`);
    expect(refused.status).toBe(401);
    expect(await refused.json()).toEqual({ detail: expect.any(String) });

    process.kill(-(dev.pid ?? 0), 'SIGINT');
    const ended = await Promise.race([dev.exited.then(() => true), sleep(15_000).then(() => false)]);
    expect(ended).toBe(true);
    expect(await answers(web)).toBe(false);
    expect(await answers(`http://127.0.0.1:${apiPort}/api/health`)).toBe(false);
  });
});
