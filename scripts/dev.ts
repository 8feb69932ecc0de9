/**
 * npm run dev: the API reloading on change (`tsx watch`, on PORT, default 8000) and the console on Vite's dev
 * server (WEB_DEV_PORT, default 5173) with hot reload and `/api` proxied to that API. Open the Vite address.
 * Either process ending ends the other; Ctrl+C (or SIGTERM) stops both.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const apiPort = process.env.PORT || '8000';
const webPort = process.env.WEB_DEV_PORT || '5173';
const host = process.env.HOST || '127.0.0.1';

const children: ChildProcess[] = [];
let stopping = false;

function stop(code: number): void {
  if (stopping) return;
  stopping = true;
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  // tsx watch and Vite exit on SIGTERM within a second; a stuck child must not keep the terminal.
  setTimeout(() => process.exit(code), 5_000).unref();
  void Promise.all(
    children.map(
      (child) => new Promise((resolve) => (child.exitCode !== null ? resolve(0) : child.once('exit', resolve))),
    ),
  ).then(() => process.exit(code));
}

function run(name: string, cwd: string, command: string, args: string[], env: NodeJS.ProcessEnv): void {
  const child = spawn(command, args, { cwd, env, stdio: 'inherit' });
  children.push(child);
  child.once('exit', (code, signal) => {
    if (!stopping) console.error(`[dev] ${name} exited (${signal ?? `code ${code}`}): stopping`);
    stop(code ?? 1);
  });
}

const tsx = path.join(root, 'node_modules/.bin/tsx');
const vite = path.join(root, 'node_modules/.bin/vite');
run('api', root, tsx, ['watch', 'src/server.ts'], { ...process.env, PORT: apiPort, HOST: host });
run('vite', path.join(root, 'web'), vite, ['--port', webPort, '--strictPort', '--host', host], {
  ...process.env,
  API_URL: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${apiPort}`,
});
console.error(`[dev] console with hot reload: http://${host}:${webPort}/ (API on ${apiPort}, behind Vite's proxy)`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => stop(0));
