import type { FastifyBaseLogger } from 'fastify';
import type { Redis } from 'ioredis';

/**
 * Watches one Redis connection and logs an outage twice: once when it starts (the first error, its message
 * only) and once when the connection is back. ioredis emits an 'error' on every reconnect attempt; logging
 * each, with its stack, printed dozens of warnings per process in a few seconds of downtime.
 */
export function watchRedis(connection: Redis, log: FastifyBaseLogger, name: string): Redis {
  let down = false;
  let since = 0;
  connection.on('error', (error: Error) => {
    if (down) return;
    down = true;
    since = Date.now();
    log.warn({ redis: name, error: error.message }, 'redis unavailable');
  });
  connection.on('ready', () => {
    if (!down) return;
    down = false;
    log.info({ redis: name, downMs: Date.now() - since }, 'redis available again');
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
