import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { inject } from 'vitest';

/**
 * The PostgreSQL and Redis servers the tests talk to: TEST_DATABASE_URL / TEST_REDIS_URL when set, else
 * the private, throw-away ones `scripts/test-services.sh` runs in its own folder and ports (never the
 * machine's servers). Resolved once per run in global-setup, handed to test files with `provide`.
 */
export interface TestServices {
  postgresUrl: string;
  redisUrl: string;
  /** Why a server is missing (empty when both are there): only the test files that need one fail. */
  problem: string;
}

const script = path.resolve(import.meta.dirname, '../../scripts/test-services.sh');

function runScript(command: 'env' | 'start-servers'): string {
  return execFileSync('bash', [script, command], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 600_000, // a first start may install packages
  });
}

/** `export KEY=VALUE` lines; the script's own URLs need no shell unquoting. */
function parseExports(printed: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const line of printed.split('\n')) {
    const [, key, value] = /^export (\w+)=(.*)$/.exec(line) ?? [];
    if (key && value) values[key] = value;
  }
  return values;
}

/**
 * In vitest's main process. `npm test` started the private servers (pretest); a bare `npx vitest` starts
 * them here. When that fails (no root to install them, say), the tests that need no server still run.
 */
export function resolveTestServices(env: NodeJS.ProcessEnv = process.env): TestServices {
  const given = { postgresUrl: env.TEST_DATABASE_URL || '', redisUrl: env.TEST_REDIS_URL || '' };
  if (given.postgresUrl && given.redisUrl) return { ...given, problem: '' };
  try {
    let printed: string;
    try {
      printed = runScript('env');
    } catch {
      runScript('start-servers');
      printed = runScript('env');
    }
    const urls = parseExports(printed);
    return {
      postgresUrl: given.postgresUrl || urls.TEST_DATABASE_URL || '',
      redisUrl: given.redisUrl || urls.TEST_REDIS_URL || '',
      problem: '',
    };
  } catch (error) {
    const stderr = error instanceof Error && 'stderr' in error ? String(error.stderr).trim() : '';
    return { ...given, problem: `scripts/test-services.sh failed: ${stderr || String(error)}` };
  }
}

function need(url: string, what: string): string {
  if (url) return url;
  throw new Error(
    `no ${what} server for this test: ${inject('servicesProblem') || 'not resolved'}. ` +
      'Run `npm run pretest` (scripts/test-services.sh start), or set TEST_DATABASE_URL and TEST_REDIS_URL.',
  );
}

/** In a test file: the PostgreSQL server's URL (its `postgres` database, for creating others). */
export function testPostgresUrl(): string {
  return need(inject('postgresUrl'), 'PostgreSQL');
}

/** In a test file: the Redis server's URL, without a database number. */
export function testRedisUrl(): string {
  return need(inject('redisUrl'), 'Redis');
}
