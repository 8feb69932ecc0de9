import type { FastifyBaseLogger } from 'fastify';
import { Redis } from 'ioredis';
import type { MailboxWatcher } from '../email/inbound/mailbox-watcher.js';
import { watchRedis } from '../lib/redis-watch.js';
import { DEFAULT_LEASE, LeaderLease, type LeaseTiming } from './leader-lease.js';

/** Each worker asks this long after its previous answer: a dead holder is replaced within ~4.3 s. */
const REFRESH_MS = 750;

/** The lease's own connection: a command either reaches Redis now or fails, nothing queues up to be flushed
 * together later; reconnects within half a second of Redis coming back. */
export function leaseConnection(redisUrl: string): Redis {
  return new Redis(redisUrl, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: 1_000,
    connectTimeout: 2_000,
    retryStrategy: (times) => Math.min(times * 100, 500),
  });
}

/**
 * Several workers may run: the one holding the mailbox's lease in Redis watches it. Each worker takes or
 * renews the lease every 0.75 s, one call at a time, and starts or stops its watcher accordingly. A holder
 * that cannot reach Redis stops watching before its lease can have run out (a timer, not the next
 * answer, decides); on shutdown the lease is released as soon as the watcher is down, so another worker
 * takes over at once.
 */
export class MailboxLease {
  private readonly redis: Redis;
  private readonly lease: LeaderLease;
  private timer: NodeJS.Timeout | undefined;
  private expiryTimer: NodeJS.Timeout | undefined;
  private closed = false;
  /** Watcher starts and stops, one at a time. */
  private applying: Promise<void> = Promise.resolve();
  private watching = false;

  constructor(
    redisUrl: string,
    prefix: string,
    private readonly watcher: MailboxWatcher,
    private readonly log: FastifyBaseLogger,
    timing: Partial<LeaseTiming> = {},
  ) {
    this.redis = watchRedis(leaseConnection(redisUrl), log, 'lease');
    this.lease = new LeaderLease(this.redis, `${prefix}:watcher:${watcher.mailbox}`, { ...DEFAULT_LEASE, ...timing });
  }

  async start(): Promise<void> {
    await this.tick();
  }

  private async tick(): Promise<void> {
    await this.lease.refresh();
    if (this.closed) return;
    await this.apply();
    if (this.closed) return;
    this.timer = setTimeout(() => void this.tick(), REFRESH_MS);
  }

  /** Starts or stops the watcher to match the lease; re-checks when the lease would run out unrenewed. */
  private apply(): Promise<void> {
    this.applying = this.applying.then(async () => {
      if (this.closed) return;
      const held = this.lease.isHeld;
      clearTimeout(this.expiryTimer);
      if (held) this.expiryTimer = setTimeout(() => void this.apply(), this.lease.remainingMs + 10);
      if (held === this.watching) return;
      this.watching = held;
      const mailbox = this.watcher.mailbox;
      if (held) {
        this.log.info({ mailbox }, 'mailbox lease taken: watching');
        this.watcher.start();
      } else {
        this.log.warn({ mailbox }, 'mailbox lease lost: not watching');
        await this.watcher.stop();
      }
    });
    // One failed start or stop must not end the chain (every later change waits on it).
    this.applying = this.applying.catch((error: unknown) =>
      this.log.error({ err: error, mailbox: this.watcher.mailbox }, 'mailbox watcher start/stop failed'),
    );
    return this.applying;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    clearTimeout(this.expiryTimer);
    try {
      await this.applying;
      await this.watcher.stop();
    } finally {
      if (this.watching) this.log.info({ mailbox: this.watcher.mailbox }, 'mailbox lease released');
      await this.lease.release().catch(() => undefined);
      this.redis.disconnect();
    }
  }
}
