import type { FastifyBaseLogger } from 'fastify';
import { Redis } from 'ioredis';
import type { Database } from '../db/client.js';
import { watchRedis } from '../lib/redis-watch.js';

/** A Redis that does not answer within this is as good as down for a readiness probe. */
const REDIS_PING_TIMEOUT_MS = 2_000;

/**
 * Whether this process can do its work: the database answers and, when Redis is configured (jobs, shared
 * limits, the mailbox lease), Redis does too. Used by the API's /api/health/ready and a worker's /ready.
 */
export class Readiness {
  private readonly redis: Redis | undefined;

  constructor(
    private readonly database: Database,
    redisUrl: string | undefined,
    log: FastifyBaseLogger,
  ) {
    // No offline queue and no retries: while Redis is down a ping fails at once instead of waiting for it.
    this.redis = redisUrl
      ? watchRedis(
          new Redis(redisUrl, {
            maxRetriesPerRequest: 0,
            enableOfflineQueue: false,
            commandTimeout: REDIS_PING_TIMEOUT_MS,
          }),
          log,
          'readiness',
        )
      : undefined;
  }

  /** What is unavailable (`Database unavailable`, `Redis unavailable`), or undefined when ready. */
  async problem(): Promise<string | undefined> {
    try {
      await this.database.ping();
    } catch {
      return 'Database unavailable';
    }
    if (this.redis) {
      try {
        await this.redis.ping();
      } catch {
        return 'Redis unavailable';
      }
    }
    return undefined;
  }

  close(): void {
    this.redis?.disconnect();
  }
}
