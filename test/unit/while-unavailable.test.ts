import { describe, expect, it } from 'vitest';
import { whileUnavailable } from '../../src/lib/while-unavailable.js';

/** What node-postgres throws while PostgreSQL shuts down (SQLSTATE 57P01, admin shutdown). */
const shuttingDown = () =>
  Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });

describe('whileUnavailable: the record after an effect outside the database', () => {
  it('retries through a database outage and returns the write once it lands', async () => {
    let calls = 0;
    const result = await whileUnavailable(async () => {
      calls += 1;
      if (calls < 3) throw shuttingDown();
      return 'recorded';
    }, Date.now() + 10_000);
    expect(result).toBe('recorded');
    expect(calls).toBe(3);
  });

  it('does not retry other errors', async () => {
    let calls = 0;
    const write = async () => {
      calls += 1;
      throw new Error('duplicate key value violates unique constraint');
    };
    await expect(whileUnavailable(write, Date.now() + 10_000)).rejects.toThrow('duplicate key');
    expect(calls).toBe(1);
  });

  it('gives up at the deadline, while the claim would still hold', async () => {
    const started = Date.now();
    await expect(
      whileUnavailable(async () => {
        throw shuttingDown();
      }, started + 500),
    ).rejects.toThrow('administrator command');
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
