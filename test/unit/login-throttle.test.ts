import { describe, expect, it } from 'vitest';
import { delayAfter, LoginThrottle, loginPolicy } from '../../src/auth/login-throttle.js';
import { MemoryThrottleStore } from '../../src/auth/memory-throttle-store.js';
import { DomainError } from '../../src/lib/errors.js';

/** A store on a clock the test moves; 3 failures per pair, 20 per account from all addresses. */
function setup(maxEntries = 1000) {
  const clock = { now: 0 };
  const policy = loginPolicy(3, 20);
  const store = new MemoryThrottleStore(policy, maxEntries, () => clock.now);
  return { clock, store, throttle: new LoginThrottle(store) };
}

/** Fails `times` attempts in a row (each allowed), returning nothing; throws if one was refused. */
async function fail(store: MemoryThrottleStore, account: string, address: string, times: number) {
  for (let i = 0; i < times; i++) expect(await store.attempt(account, address)).toBe(0);
}

describe('login throttle: delays', () => {
  it('grows the delay of a pair from 1 s, doubling, capped at 15 minutes', () => {
    const { pair } = loginPolicy(10, 100);
    expect([9, 10, 11, 12, 19, 20, 50].map((f) => delayAfter(f, pair))).toEqual([
      0, 1_000, 2_000, 4_000, 512_000, 900_000, 900_000,
    ]);
    const { account } = loginPolicy(10, 100);
    expect([99, 100, 105, 106, 1000].map((f) => delayAfter(f, account))).toEqual([0, 1_000, 32_000, 60_000, 60_000]);
  });

  it('makes an address wait growing delays after its failures, while another address tries at once', async () => {
    const { clock, store } = setup();
    await fail(store, 'user:1', 'attacker', 3);
    expect(await store.attempt('user:1', 'attacker')).toBe(1_000);
    expect(await store.attempt('user:1', 'owner')).toBe(0); // the owner, elsewhere: not slowed at all
    clock.now = 1_000;
    await fail(store, 'user:1', 'attacker', 1);
    expect(await store.attempt('user:1', 'attacker')).toBe(2_000);
    clock.now = 3_000;
    await fail(store, 'user:1', 'attacker', 1);
    expect(await store.attempt('user:1', 'attacker')).toBe(4_000);
  });

  it('answers 429 with Retry-After in whole seconds', async () => {
    const { throttle } = setup();
    for (let i = 0; i < 3; i++) await throttle.attempt('user:1', '10.0.0.1');
    const refused = await throttle.attempt('user:1', '10.0.0.1').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(DomainError);
    expect((refused as DomainError).status).toBe(429);
    expect((refused as DomainError).headers['Retry-After']).toBe('1');
  });

  it('clears a pair on success, and treats an IPv6 /64 as one address', async () => {
    const { store, throttle } = setup();
    await throttle.attempt('user:1', '2001:db8::1');
    await throttle.attempt('user:1', '2001:db8::2');
    await throttle.attempt('user:1', '2001:db8::3');
    await expect(throttle.attempt('user:1', '2001:db8::ffff')).rejects.toThrow(DomainError);
    await store.succeeded('user:1', '2001:db8::');
    await expect(throttle.attempt('user:1', '2001:db8::4')).resolves.toBeUndefined();
  });

  it('forgets a pair 15 minutes after its last delay ends', async () => {
    const { clock, store } = setup();
    await fail(store, 'user:1', 'a', 3);
    clock.now = 1_000 + 15 * 60_000 - 1;
    await fail(store, 'user:1', 'a', 1); // the 4th failure: 2 s now
    expect(await store.attempt('user:1', 'a')).toBe(2_000);
    clock.now += 2_000 + 15 * 60_000;
    await fail(store, 'user:1', 'a', 3);
  });

  it('spaces out attempts on an account tried from many addresses, except from addresses that logged in before', async () => {
    const { clock, store } = setup();
    await fail(store, 'user:1', 'home', 1);
    await store.succeeded('user:1', 'home');
    for (let i = 0; i < 20; i++) await fail(store, 'user:1', `bot${i}`, 1);
    expect(await store.attempt('user:1', 'new-place')).toBe(1_000);
    expect(await store.attempt('user:1', 'home')).toBe(0); // the owner's usual address passes
    await store.succeeded('user:1', 'home');
    clock.now = 1_000;
    expect(await store.attempt('user:1', 'new-place')).toBe(0); // after at most a minute, anyone may try
    expect(await store.attempt('user:1', 'other-place')).toBe(2_000);
  });

  it('keeps no counter with RATE_LIMITS=off', async () => {
    const throttle = new LoginThrottle(undefined);
    for (let i = 0; i < 100; i++) await throttle.attempt('user:1', '10.0.0.1');
  });
});

describe('login throttle: bounded memory', () => {
  it('does not unlock a delayed pair when flooded with more keys than it holds', async () => {
    const { store } = setup(100);
    await fail(store, 'user:1', 'attacker', 3);
    expect(await store.attempt('user:1', 'attacker')).toBe(1_000);
    // 100,000 other keys through a table of 100: the old table dropped its oldest entry, the delay included.
    for (let i = 0; i < 100_000; i++) await store.attempt(`login:junk${i}`, `10.${i % 250}.0.1`);
    expect(store.size).toBeLessThanOrEqual(100);
    expect(await store.attempt('user:1', 'attacker')).toBe(1_000);
  });

  it('keeps every active delay even when they alone fill the table, and shrinks again when they end', async () => {
    const { clock, store } = setup(100);
    // Fails until refused: a sweep may drop a pair that has not earned its delay yet, never one that has.
    const delay = async (account: string) => {
      for (let tries = 0; (await store.attempt(account, 'a')) === 0; tries++) expect(tries).toBeLessThan(20);
    };
    for (let i = 0; i < 150; i++) await delay(`user:${i}`);
    expect(store.size).toBeGreaterThanOrEqual(150);
    for (let i = 0; i < 150; i++) expect(await store.attempt(`user:${i}`, 'a')).toBe(1_000);
    clock.now = 2_000;
    for (let i = 0; i < 1000; i++) await store.attempt(`login:junk${i}`, 'b');
    expect(store.size).toBeLessThanOrEqual(100);
  });
});
