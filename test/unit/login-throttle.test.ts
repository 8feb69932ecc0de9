import { describe, expect, it } from 'vitest';
import { LoginThrottle } from '../../src/auth/login-throttle.js';
import { DomainError } from '../../src/lib/errors.js';

function retryAfter(fn: () => void): string | undefined {
  try {
    fn();
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).status).toBe(429);
    return (error as DomainError).headers['Retry-After'];
  }
}

describe('login throttle', () => {
  it('locks an account after the allowed failures, until its window ends', () => {
    let now = 0;
    const throttle = new LoginThrottle(3, 60_000, 100, () => now);
    for (let i = 0; i < 3; i++) {
      expect(retryAfter(() => throttle.check('alice'))).toBeUndefined();
      throttle.recordFailure('alice');
    }
    expect(retryAfter(() => throttle.check('alice'))).toBe('60');
    expect(retryAfter(() => throttle.check('bob'))).toBeUndefined();
    now = 30_000;
    expect(retryAfter(() => throttle.check('alice'))).toBe('30');
    now = 60_000;
    expect(retryAfter(() => throttle.check('alice'))).toBeUndefined();
  });

  it('forgets failures after a successful login', () => {
    const throttle = new LoginThrottle(2, 60_000, 100, () => 0);
    throttle.recordFailure('alice');
    throttle.recordSuccess('alice');
    throttle.recordFailure('alice');
    expect(retryAfter(() => throttle.check('alice'))).toBeUndefined();
  });

  it('stays bounded however many accounts are tried', () => {
    const throttle = new LoginThrottle(1, 60_000, 10, () => 0);
    for (let i = 0; i < 1000; i++) throttle.recordFailure(`user${i}`);
    expect(retryAfter(() => throttle.check('user999'))).toBe('60');
    expect(retryAfter(() => throttle.check('user0'))).toBeUndefined();
  });
});
