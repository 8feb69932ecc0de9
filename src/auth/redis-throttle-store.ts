import type { Redis } from 'ioredis';
import { BASE_DELAY_MS, type ThrottlePolicy, type ThrottleStore } from './login-throttle.js';

/*
 * The same rules as MemoryThrottleStore, as Lua so that the check and the record are one atomic step for
 * every API process. Time is the Redis server's (TIME), so processes whose clocks differ still agree.
 * Keys: KEYS[1] the pair (account, address), KEYS[2] the account, KEYS[3] "this address logged in to the
 * account". Each entry is a hash {failures, next} expiring `window` after its delay ends.
 */
const ATTEMPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local base = tonumber(ARGV[7])
local pairNext = tonumber(redis.call('HGET', KEYS[1], 'next') or '0')
if pairNext > now then return pairNext - now end
local known = redis.call('EXISTS', KEYS[3]) == 1
local accountNext = tonumber(redis.call('HGET', KEYS[2], 'next') or '0')
if not known and accountNext > now then return accountNext - now end
local function fail(key, threshold, maxDelay, window)
  local failures = redis.call('HINCRBY', key, 'failures', 1)
  local delay = 0
  if failures >= threshold then delay = math.min(base * 2 ^ math.min(failures - threshold, 40), maxDelay) end
  local nextAt = 0
  if delay > 0 then nextAt = now + delay end
  redis.call('HSET', key, 'next', string.format('%d', nextAt))
  redis.call('PEXPIRE', key, string.format('%d', delay + window))
end
fail(KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]))
if not known then fail(KEYS[2], tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])) end
return 0
`;

const SUCCEEDED = `
redis.call('DEL', KEYS[1])
if redis.call('EXISTS', KEYS[3]) == 0 and tonumber(redis.call('HGET', KEYS[2], 'failures') or '0') > 0 then
  redis.call('HINCRBY', KEYS[2], 'failures', -1)
end
redis.call('SET', KEYS[3], '1', 'PX', ARGV[1])
return 0
`;

type Scripts = {
  loginAttempt(...args: (string | number)[]): Promise<number>;
  loginSucceeded(...args: (string | number)[]): Promise<number>;
};

/**
 * The counters in Redis, shared by every API process, under `<prefix>:login:{<account>}:…` (the braces
 * keep an account's keys in one Redis Cluster slot, as a script's keys must be). Entries expire on their
 * own; nothing is evicted early (run Redis with `noeviction`, as BullMQ requires anyway).
 */
export class RedisThrottleStore implements ThrottleStore {
  private readonly redis: Redis & Scripts;

  constructor(
    redis: Redis,
    private readonly prefix: string,
    private readonly policy: ThrottlePolicy,
  ) {
    redis.defineCommand('loginAttempt', { numberOfKeys: 3, lua: ATTEMPT });
    redis.defineCommand('loginSucceeded', { numberOfKeys: 3, lua: SUCCEEDED });
    this.redis = redis as Redis & Scripts;
  }

  async attempt(account: string, address: string): Promise<number> {
    const { pair, account: all } = this.policy;
    return this.redis.loginAttempt(
      ...this.keys(account, address),
      pair.threshold,
      pair.maxDelayMs,
      pair.windowMs,
      all.threshold,
      all.maxDelayMs,
      all.windowMs,
      BASE_DELAY_MS,
    );
  }

  async succeeded(account: string, address: string): Promise<void> {
    await this.redis.loginSucceeded(...this.keys(account, address), this.policy.knownAddressMs);
  }

  private keys(account: string, address: string): [string, string, string] {
    const base = `${this.prefix}:login:{${account}}`;
    return [`${base}:pair:${address}`, `${base}:account`, `${base}:known:${address}`];
  }
}
