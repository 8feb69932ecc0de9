import { normalizeIP } from '@fastify/rate-limit';
import { errors } from '../lib/errors.js';

/**
 * One layer of login protection: after `threshold` failures each further attempt must wait a delay that
 * starts at a second and doubles with every failure, up to `maxDelayMs`. The failures are forgotten
 * `windowMs` after the last delay ends (or after the last failure, below the threshold).
 */
export interface ThrottleLayer {
  threshold: number;
  maxDelayMs: number;
  windowMs: number;
}

/**
 * Two layers (OWASP's and NIST 800-63B's advice: slow guessing down, do not lock the owner out):
 * - `pair`: one account from one client address. The owner's own typos count here, and an attacker's
 *   guesses from one address slow that address down to one guess per 15 minutes, not anyone else.
 * - `account`: one account from every address (a botnet). Past its far higher threshold, attempts from
 *   new addresses are spaced out by at most a minute. Addresses the account logged in from in the last
 *   `knownAddressMs` are judged by their own pair alone, so the owner at a usual place is not even slowed.
 */
export interface ThrottlePolicy {
  pair: ThrottleLayer;
  account: ThrottleLayer;
  knownAddressMs: number;
}

export const BASE_DELAY_MS = 1_000;

export function loginPolicy(failuresPerAccount: number, failuresPerAccountAllAddresses: number): ThrottlePolicy {
  return {
    pair: { threshold: failuresPerAccount, maxDelayMs: 15 * 60_000, windowMs: 15 * 60_000 },
    account: { threshold: failuresPerAccountAllAddresses, maxDelayMs: 60_000, windowMs: 60 * 60_000 },
    knownAddressMs: 30 * 24 * 60 * 60_000,
  };
}

/** The wait after the `failures`-th failure: none below the threshold, then 1 s, 2 s, 4 s … up to the cap. */
export function delayAfter(failures: number, layer: ThrottleLayer): number {
  if (failures < layer.threshold) return 0;
  return Math.min(BASE_DELAY_MS * 2 ** Math.min(failures - layer.threshold, 40), layer.maxDelayMs);
}

/**
 * Where the counters live: in this process (memory) or shared by every process (Redis). `account` is a
 * stable key of the account (its id, or the typed login when no account has it); `address` the client's.
 */
export interface ThrottleStore {
  /**
   * In one atomic step: how long (ms) this attempt must wait, or 0, in which case it is recorded as a
   * failure right away (so parallel guesses cannot all pass the check) until `succeeded` takes it back.
   */
  attempt(account: string, address: string): Promise<number>;
  /** The password was right: the pair's failures are cleared and the address is known to the account. */
  succeeded(account: string, address: string): Promise<void>;
}

/** What the login use case calls. Without a store (RATE_LIMITS=off) nothing is limited. */
export class LoginThrottle {
  constructor(private readonly store: ThrottleStore | undefined) {}

  /** Throws 429 with Retry-After while this account may not be tried from this address. */
  async attempt(account: string, address: string): Promise<void> {
    if (!this.store) return;
    const waitMs = await this.store.attempt(account, clientKey(address));
    if (waitMs > 0) throw errors.tooManyLogins(Math.max(1, Math.ceil(waitMs / 1000)));
  }

  async succeeded(account: string, address: string): Promise<void> {
    await this.store?.succeeded(account, clientKey(address));
  }
}

/** As the per-address limit keys it: an IPv6 client owns its whole /64, so it is one address here too. */
function clientKey(address: string): string {
  return normalizeIP(address);
}
