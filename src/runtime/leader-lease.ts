import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Redis } from 'ioredis';

/**
 * One round trip, atomic: the key holding my token is renewed (held, whatever this process believed);
 * an absent key is taken when ARGV[3] allows it; anyone else's key is left alone.
 */
const REFRESH = `local v = redis.call('get', KEYS[1])
if v == ARGV[1] then redis.call('pexpire', KEYS[1], ARGV[2]) return 1 end
if v == false and ARGV[3] == '1' then redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end
return 0`;
/** Deletes the key only while it holds my token: a late release never frees another's lease. */
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

export interface LeaseTiming {
  /** How long the key lives after each renewal (PX). */
  leaseMs: number;
  /**
   * The holder counts itself as holding only until this long before the lease could run out in Redis, so
   * it has stopped its work by the time another process may take over.
   */
  safetyMs: number;
}

/** Takeover within leaseMs + one retry after a holder dies (renewed every 0.75 s, see MailboxLease). */
export const DEFAULT_LEASE: LeaseTiming = { leaseMs: 3_500, safetyMs: 1_000 };

/**
 * One holder at a time across all worker processes, for work that must not run twice (the IMAP watcher of
 * a mailbox).
 *
 * - `refresh()` calls never overlap: a call made while one is on the wire shares its answer (two SET NX
 *   flushed together after a reconnect once made the holder drop a lease that still held its token).
 * - The holder counts its lease from when the renewal was *sent* (Redis expires it no earlier), minus
 *   `safetyMs`; a holder that cannot reach Redis stops holding before anyone else can take over.
 * - Redis without persistence forgets the key when it restarts. A process that saw its connection drop may
 *   take an absent key only `leaseMs` after that drop: by then whoever held the lease has stopped counting
 *   on it. The holder itself, still within its lease, re-takes the absent key at once (it only renews).
 */
export class LeaderLease {
  private readonly token = randomUUID();
  private held = false;
  /** performance.now() until which the lease is surely ours (valid only while `held`). */
  private heldUntil = 0;
  /** An absent key may not be taken before this (set when the connection drops). */
  private takeNotBefore = 0;
  private outage = false;
  private inFlight: Promise<boolean> | undefined;
  private readonly timing: LeaseTiming;

  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    timing: Partial<LeaseTiming> = {},
  ) {
    this.timing = { ...DEFAULT_LEASE, ...timing };
    redis.on('ready', () => {
      this.outage = false;
    });
    redis.on('close', () => {
      if (this.outage) return;
      this.outage = true;
      this.takeNotBefore = performance.now() + this.timing.leaseMs;
    });
  }

  /** Whether this process surely holds the lease right now (false as soon as it may have run out). */
  get isHeld(): boolean {
    return this.held && performance.now() < this.heldUntil;
  }

  /** Milliseconds until the lease stops being surely held (0 when it is not held). */
  get remainingMs(): number {
    return this.isHeld ? this.heldUntil - performance.now() : 0;
  }

  /** Takes or renews; whether this process holds the lease now. A Redis error counts as "not renewed". */
  refresh(): Promise<boolean> {
    this.inFlight ??= this.attempt().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async attempt(): Promise<boolean> {
    const sentAt = performance.now();
    const mayTake = this.isHeld || sentAt >= this.takeNotBefore;
    try {
      const answer = await this.redis.eval(
        REFRESH,
        1,
        this.key,
        this.token,
        String(this.timing.leaseMs),
        mayTake ? '1' : '0',
      );
      this.held = answer === 1;
      if (this.held) this.heldUntil = sentAt + this.timing.leaseMs - this.timing.safetyMs;
    } catch {
      // Not renewed: still held until the last renewal runs out (isHeld checks the clock).
    }
    return this.isHeld;
  }

  /** Gives the lease up at once if the key holds my token (whatever this process believed). */
  async release(): Promise<void> {
    this.held = false;
    await this.inFlight?.catch(() => undefined);
    this.held = false;
    await this.redis.eval(RELEASE, 1, this.key, this.token);
  }
}
