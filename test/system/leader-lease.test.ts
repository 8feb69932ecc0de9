import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort, sleep } from '../../scripts/soak/proc.js';
import { SoakRedis } from '../../scripts/soak/services.js';
import { LeaderLease } from '../../src/runtime/leader-lease.js';
import { leaseConnection } from '../../src/runtime/mailbox-lease.js';
import { waitUntil } from '../helpers/wait.js';

/**
 * The mailbox lease against a Redis server of this file's own (started here on a free port, restarted and
 * stopped at will: the shared test Redis is never touched). Each "worker" below renews the way
 * MailboxLease does: one call at a time, 0.75 s after the previous answer.
 */

const RENEW_MS = 750;

let root: string;
let redis: SoakRedis;
const running: Worker[] = [];

class Worker {
  readonly connection: Redis;
  readonly lease: LeaderLease;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(key: string) {
    this.connection = leaseConnection(redis.url);
    this.connection.on('error', () => undefined);
    this.lease = new LeaderLease(this.connection, key);
    running.push(this);
  }

  start(): this {
    const tick = async () => {
      await this.lease.refresh();
      if (!this.stopped) this.timer = setTimeout(() => void tick(), RENEW_MS);
    };
    void tick();
    return this;
  }

  /** Stops renewing without releasing: what a SIGKILLed process leaves behind. */
  abandon(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.connection.disconnect();
  }

  async close(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.lease.release().catch(() => undefined);
    this.connection.disconnect();
  }
}

/** Samples who holds the lease every 10 ms until stopped; records any moment both did. */
function watchHolders(a: Worker, b: Worker): { stop(): void; both: number; samples: number } {
  const seen = { both: 0, samples: 0, stop: () => clearInterval(timer) };
  const timer = setInterval(() => {
    seen.samples += 1;
    if (a.lease.isHeld && b.lease.isHeld) seen.both += 1;
  }, 10);
  return seen;
}

const holders = (...workers: Worker[]) => workers.filter((w) => w.lease.isHeld);

beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), 'sd-lease-'));
  mkdirSync(path.join(root, 'log'));
  redis = new SoakRedis(root, await freePort(), path.join(root, 'log'));
  await redis.start();
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((w) => w.close()));
});

afterAll(async () => {
  await redis?.destroy();
  rmSync(root, { recursive: true, force: true });
});

let keys = 0;
const newKey = () => `lease-test:${process.pid}:${++keys}`;

describe('leader lease', { timeout: 30_000 }, () => {
  it('two processes: exactly one holds, and overlapping refreshes keep it held', async () => {
    const key = newKey();
    const a = new Worker(key);
    const b = new Worker(key);
    await waitUntil(async () => a.connection.status === 'ready' && b.connection.status === 'ready', 5_000, 20);
    // Both ask at once, several times over (as queued commands once did after a reconnect).
    const answers = await Promise.all([a, b, a, b, a, b].map((w) => w.lease.refresh()));
    expect(answers.filter(Boolean).length).toBe(3);
    expect(holders(a, b)).toHaveLength(1);
    const holder = holders(a, b)[0] as Worker;
    for (let i = 0; i < 5; i++) {
      expect(await Promise.all([holder.lease.refresh(), holder.lease.refresh()])).toEqual([true, true]);
    }
    expect(holders(a, b)).toEqual([holder]);
  });

  it('a short Redis restart: the holder keeps the lease, never two hold', async () => {
    const key = newKey();
    const a = new Worker(key).start();
    await waitUntil(async () => a.lease.isHeld, 5_000, 20);
    const b = new Worker(key).start();
    await sleep(2 * RENEW_MS);
    expect(holders(a, b)).toEqual([a]);
    const seen = watchHolders(a, b);
    await redis.shutdown();
    await redis.start();
    // Back before the holder's lease could have run out: it re-takes the (forgotten) key at once.
    const back = Date.now();
    await waitUntil(async () => a.connection.status === 'ready', 5_000, 20);
    await sleep(4_000); // past the other's wait: it must not take the key the holder re-took
    seen.stop();
    expect(seen.both).toBe(0);
    expect(holders(a, b)).toEqual([a]);
    expect(Date.now() - back).toBeLessThan(8_000);
  });

  it('a long Redis outage: nobody holds while Redis is away, one holds within 2 s of its return', async () => {
    const key = newKey();
    const a = new Worker(key).start();
    await waitUntil(async () => a.lease.isHeld, 5_000, 20);
    const b = new Worker(key).start();
    const seen = watchHolders(a, b);
    const down = Date.now();
    await redis.shutdown();
    // The holder gives up before its lease could have run out in Redis (3.5 s after its last renewal).
    await waitUntil(async () => holders(a, b).length === 0, 5_000, 20);
    expect(Date.now() - down).toBeLessThan(3_500);
    await sleep(4_000 - (Date.now() - down));
    await redis.start();
    const back = Date.now();
    await waitUntil(async () => holders(a, b).length === 1, 5_000, 20);
    const retakeMs = Date.now() - back;
    await sleep(2 * RENEW_MS);
    seen.stop();
    expect(seen.both).toBe(0);
    expect(holders(a, b)).toHaveLength(1);
    expect(retakeMs).toBeLessThan(2_000);
  });

  it('a holder that dies without releasing is replaced within 5 s', async () => {
    const key = newKey();
    const a = new Worker(key).start();
    await waitUntil(async () => a.lease.isHeld, 5_000, 20);
    const b = new Worker(key).start();
    await sleep(2 * RENEW_MS);
    expect(holders(a, b)).toEqual([a]);
    a.abandon();
    const died = Date.now();
    await waitUntil(async () => b.lease.isHeld, 8_000, 20);
    expect(Date.now() - died).toBeLessThan(5_000);
  });

  it('a holder that releases is replaced at the next renewal', async () => {
    const key = newKey();
    const a = new Worker(key).start();
    await waitUntil(async () => a.lease.isHeld, 5_000, 20);
    const b = new Worker(key).start();
    await sleep(RENEW_MS);
    await a.close();
    const released = Date.now();
    await waitUntil(async () => b.lease.isHeld, 5_000, 20);
    expect(Date.now() - released).toBeLessThan(2 * RENEW_MS);
  });
});
