import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

/** Renews only the holder's own lease (compare-and-expire), so a stale holder can never extend another's. */
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/**
 * One holder at a time across all worker processes, for work that must not run twice (the IMAP watcher of
 * a mailbox). The holder renews well within the lease; if it dies, the lease runs out and another takes it.
 */
export class LeaderLease {
  private readonly token = randomUUID();
  private held = false;

  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    private readonly leaseMs = 15_000,
  ) {}

  get isHeld(): boolean {
    return this.held;
  }

  /** Acquires or renews; returns whether this process holds the lease now. */
  async refresh(): Promise<boolean> {
    if (this.held) {
      this.held = (await this.redis.eval(RENEW, 1, this.key, this.token, String(this.leaseMs))) === 1;
    } else {
      this.held = (await this.redis.set(this.key, this.token, 'PX', this.leaseMs, 'NX')) === 'OK';
    }
    return this.held;
  }

  async release(): Promise<void> {
    if (this.held) await this.redis.eval(RELEASE, 1, this.key, this.token);
    this.held = false;
  }
}
