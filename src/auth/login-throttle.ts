import { errors } from '../lib/errors.js';

interface Window {
  failures: number;
  resetAt: number;
}

/**
 * Failed logins per account, in memory. It complements the per-client limit on the route: a botnet
 * guessing one account's password from many addresses is stopped here. Unknown accounts are counted
 * exactly like known ones, so the answer does not reveal which exist. Bounded: the oldest entries go first.
 */
export class LoginThrottle {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly maxFailures: number,
    private readonly windowMs = 15 * 60_000,
    private readonly maxEntries = 100_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Throws 429 with Retry-After while the account is locked out. */
  check(account: string): void {
    const window = this.windows.get(account);
    if (!window) return;
    const now = this.now();
    if (window.resetAt <= now) {
      this.windows.delete(account);
      return;
    }
    if (window.failures >= this.maxFailures) throw errors.tooManyLogins(Math.ceil((window.resetAt - now) / 1000));
  }

  recordFailure(account: string): void {
    const now = this.now();
    const window = this.windows.get(account);
    if (window && window.resetAt > now) {
      window.failures += 1;
      return;
    }
    if (this.windows.size >= this.maxEntries) {
      const oldest = this.windows.keys().next();
      if (!oldest.done) this.windows.delete(oldest.value);
    }
    this.windows.set(account, { failures: 1, resetAt: now + this.windowMs });
  }

  recordSuccess(account: string): void {
    this.windows.delete(account);
  }
}
