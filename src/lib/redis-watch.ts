import type { FastifyBaseLogger } from 'fastify';
import type { Redis } from 'ioredis';

/**
 * The process's Redis connections that are down now (name by connection), and since when the first of
 * them is. One outage is one warning per process however many connections it has (queue, worker, limits,
 * readiness, lease), and one line when the last of them is back.
 */
const down = new Map<Redis, string>();
let since = 0;

/**
 * Watches one Redis connection for the process-wide outage log: the first error of the first connection to
 * fail says `redis unavailable` (its message only; ioredis emits an 'error' on every reconnect attempt,
 * and logging each, with its stack, printed dozens of warnings per process in a few seconds of downtime);
 * `redis available again` comes once every connection that failed is back.
 */
export function watchRedis(connection: Redis, log: FastifyBaseLogger, name: string): Redis {
  connection.on('error', (error: Error) => {
    if (down.has(connection)) return;
    down.set(connection, name);
    if (down.size > 1) return;
    since = Date.now();
    log.warn({ redis: name, error: error.message }, 'redis unavailable');
  });
  connection.on('ready', () => {
    if (!down.delete(connection) || down.size > 0) return;
    log.info({ redis: name, downMs: Date.now() - since }, 'redis available again');
  });
  // Closed for good (shut down while Redis was away): no longer waited for.
  connection.on('end', () => {
    down.delete(connection);
  });
  return connection;
}

/** True for the errors a lost connection raises (logged by watchRedis), which callers need not log again. */
export function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string' && /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND|EHOSTUNREACH)$/.test(code))
    return true;
  const message = error instanceof Error ? error.message : '';
  return /Connection is closed|connect ECONNREFUSED|Stream isn't writeable|MaxRetriesPerRequest/i.test(message);
}
