import { delayAfter, type ThrottleLayer, type ThrottlePolicy, type ThrottleStore } from './login-throttle.js';

interface Entry {
  failures: number;
  /** Attempts wait until then (0: no delay). */
  nextAt: number;
  expiresAt: number;
}

/**
 * The counters of one process (no Redis). Bounded without letting a flood of junk keys unlock anyone: when
 * the table is full, expired entries go first, then entries that hold no active delay, those with the
 * fewest failures first (a flood's keys have one each, so they push out one another, not a pair that has
 * earned a delay). An entry that holds an active delay is never dropped before it ends; if every entry
 * holds one the table grows past `maxEntries`. That cannot run away: each delay is earned by at least
 * `threshold` failed password checks (argon2, tens of milliseconds of a thread each), lasts at most 15
 * minutes, and 429s record nothing, so one process can hold a few thousand at most.
 */
export class MemoryThrottleStore implements ThrottleStore {
  private readonly entries = new Map<string, Entry>();
  private sweepAt: number;

  constructor(
    private readonly policy: ThrottlePolicy,
    private readonly maxEntries = 100_000,
    private readonly now: () => number = Date.now,
  ) {
    this.sweepAt = maxEntries;
  }

  get size(): number {
    return this.entries.size;
  }

  async attempt(account: string, address: string): Promise<number> {
    const now = this.now();
    this.makeRoom(now);
    const pairKey = `p ${account} ${address}`;
    const accountKey = `a ${account}`;
    const pair = this.live(pairKey, now);
    if (pair && pair.nextAt > now) return pair.nextAt - now;
    // An address the account logged in from is judged by its own failures alone.
    const known = this.live(`k ${account} ${address}`, now) !== undefined;
    const all = known ? undefined : this.live(accountKey, now);
    if (all && all.nextAt > now) return all.nextAt - now;
    this.fail(pairKey, pair, this.policy.pair, now);
    if (!known) this.fail(accountKey, all, this.policy.account, now);
    return 0;
  }

  async succeeded(account: string, address: string): Promise<void> {
    const now = this.now();
    this.makeRoom(now);
    this.entries.delete(`p ${account} ${address}`);
    const knownKey = `k ${account} ${address}`;
    // From a new address the attempt was counted as a failure of the account too; a right password is not one.
    const all = this.live(knownKey, now) ? undefined : this.live(`a ${account}`, now);
    if (all && all.failures > 0) all.failures -= 1;
    this.entries.set(knownKey, { failures: 0, nextAt: 0, expiresAt: now + this.policy.knownAddressMs });
  }

  private live(key: string, now: number): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  private fail(key: string, entry: Entry | undefined, layer: ThrottleLayer, now: number): void {
    const failures = (entry?.failures ?? 0) + 1;
    const delay = delayAfter(failures, layer);
    const next = { failures, nextAt: delay > 0 ? now + delay : 0, expiresAt: now + delay + layer.windowMs };
    if (entry) Object.assign(entry, next);
    else this.entries.set(key, next);
  }

  /**
   * Before an attempt adds its (at most three) entries, so a sweep never drops what this attempt just
   * wrote. Down to 90% of the bound: a sweep (one pass over the table) comes once per 10% of it.
   */
  private makeRoom(now: number): void {
    if (this.entries.size + 3 <= this.sweepAt) return;
    const idle: [string, Entry][] = [];
    for (const [key, entry] of this.entries) {
      if (entry.expiresAt <= now) this.entries.delete(key);
      else if (entry.nextAt <= now) idle.push([key, entry]);
    }
    const target = Math.floor(this.maxEntries * 0.9);
    if (this.entries.size > target) {
      idle.sort(([, a], [, b]) => a.failures - b.failures || a.expiresAt - b.expiresAt);
      for (const [key] of idle.slice(0, this.entries.size - target)) this.entries.delete(key);
    }
    // Still full (every entry holds an active delay): look again once a tenth of the bound more is used.
    this.sweepAt = Math.max(this.maxEntries, this.entries.size + Math.ceil(this.maxEntries / 10));
  }
}
