import type { FastifyBaseLogger } from 'fastify';
import { Redis } from 'ioredis';
import type { MailboxWatcher } from '../email/inbound/mailbox-watcher.js';
import { watchRedis } from '../lib/redis-watch.js';
import { LeaderLease } from './leader-lease.js';

/** Often enough that a waiting worker takes over within seconds of a release (15 s after a crash). */
const REFRESH_MS = 2_000;

/**
 * Several workers may run: the one holding the mailbox's lease in Redis watches it. Each worker tries to
 * take or renew the lease every few seconds and starts or stops its watcher accordingly; on shutdown the
 * lease is released as soon as the watcher is down, so another worker takes over at once.
 */
export class MailboxLease {
  private readonly redis: Redis;
  private readonly lease: LeaderLease;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    redisUrl: string,
    prefix: string,
    private readonly watcher: MailboxWatcher,
    log: FastifyBaseLogger,
  ) {
    this.redis = watchRedis(new Redis(redisUrl, { maxRetriesPerRequest: 1 }), log, 'lease');
    this.lease = new LeaderLease(this.redis, `${prefix}:watcher:${watcher.mailbox}`);
  }

  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.refresh(), REFRESH_MS);
  }

  private async refresh(): Promise<void> {
    const held = await this.lease.refresh().catch(() => false);
    if (held && !this.watcher.running) this.watcher.start();
    if (!held && this.watcher.running) await this.watcher.stop();
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    try {
      await this.watcher.stop();
    } finally {
      await this.lease.release().catch(() => undefined);
      this.redis.disconnect();
    }
  }
}
