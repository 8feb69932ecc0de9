import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');
const dist = path.join(root, 'web/dist/index.html');

function newestIn(target: string): number {
  const stat = statSync(target);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(target)) newest = Math.max(newest, newestIn(path.join(target, entry)));
  return newest;
}

/**
 * Builds web/dist when it is missing or older than the console's sources (the server serves what is built).
 * Called once per run from global-setup, before test files start in parallel (two builds at once would
 * empty each other's output).
 */
export function ensureWebBuilt(): void {
  const sources = Math.max(newestIn(path.join(root, 'web/src')), newestIn(path.join(root, 'web/index.html')));
  if (existsSync(dist) && statSync(dist).mtimeMs >= sources) return;
  execFileSync('npm', ['run', 'web:build'], { cwd: root, stdio: 'pipe' });
}
