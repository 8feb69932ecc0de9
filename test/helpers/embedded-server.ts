import path from 'node:path';
import { freePort, ManagedProcess } from '../../scripts/soak/proc.js';
import { waitUntil } from './wait.js';

const root = path.resolve(import.meta.dirname, '../..');

/**
 * `npm start`'s entry point in a child process on the embedded defaults (PGlite in `dataDir`, jobs in the
 * process), with nothing of the test runner's environment but PATH and HOME, plus `env`. Resolves once
 * /api/health answers.
 */
export async function startEmbeddedServer(
  dataDir: string,
  env: Record<string, string>,
): Promise<{ base: string; server: ManagedProcess }> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const server = ManagedProcess.start('api', path.join(root, 'node_modules/.bin/tsx'), ['src/server.ts'], {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      PORT: String(port),
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      ...env,
    },
    logFile: path.join(dataDir, 'api.log'),
  });
  await waitUntil(async () => {
    if (!server.running) throw new Error(`npm start exited:\n${server.lastLines(30).join('\n')}`);
    return (await fetch(`${base}/api/health`).catch(() => undefined))?.ok;
  }, 60_000);
  return { base, server };
}
