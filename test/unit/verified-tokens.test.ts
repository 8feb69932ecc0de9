import { describe, expect, it } from 'vitest';
import { VerifiedTokens } from '../../src/auth/verified-tokens.js';

const NOW = 1_800_000_000_000;
const clock = (start = NOW) => {
  const time = { now: start };
  return { time, now: () => time.now };
};
const claims = (extra: Record<string, unknown> = {}) => ({ sub: '7', ver: 0, exp: NOW / 1000 + 3600, ...extra });

describe('VerifiedTokens', () => {
  it('gives back the claims verified for exactly the same header, frozen', () => {
    const tokens = new VerifiedTokens(10, clock().now);
    tokens.remember('Bearer a.b.c', claims());
    expect(tokens.get('Bearer a.b.c')).toEqual(claims());
    expect(Object.isFrozen(tokens.get('Bearer a.b.c'))).toBe(true);
    expect(tokens.get('Bearer a.b.d')).toBeUndefined();
    expect(tokens.get('bearer a.b.c')).toBeUndefined();
    expect(tokens.get('Bearer a.b.c ')).toBeUndefined();
  });

  it('serves a token only strictly before its expiry, then forgets it', () => {
    const { time, now } = clock();
    const tokens = new VerifiedTokens(10, now);
    tokens.remember('Bearer t', claims({ exp: NOW / 1000 + 10 }));
    time.now = NOW + 9_999;
    expect(tokens.get('Bearer t')).toBeDefined();
    time.now = NOW + 10_000;
    expect(tokens.get('Bearer t')).toBeUndefined();
    expect(tokens.size).toBe(0);
  });

  it('keeps no token without an expiry, with a not-before, already expired, or of an unusual length', () => {
    const tokens = new VerifiedTokens(10, clock().now);
    tokens.remember('Bearer 1', claims({ exp: undefined }));
    tokens.remember('Bearer 2', claims({ exp: '9999999999' }));
    tokens.remember('Bearer 3', claims({ nbf: NOW / 1000 - 10 }));
    tokens.remember('Bearer 4', claims({ exp: NOW / 1000 }));
    tokens.remember(`Bearer ${'x'.repeat(3000)}`, claims());
    tokens.remember('Bearer 5', null);
    expect(tokens.size).toBe(0);
  });

  it('holds at most its bound, dropping the oldest first', () => {
    const tokens = new VerifiedTokens(3, clock().now);
    for (const name of ['a', 'b', 'c', 'd']) tokens.remember(`Bearer ${name}`, claims({ sub: name }));
    expect(tokens.size).toBe(3);
    expect(tokens.get('Bearer a')).toBeUndefined();
    expect(tokens.get('Bearer d')).toMatchObject({ sub: 'd' });
  });

  it('is not changed through the claims it was given', () => {
    const tokens = new VerifiedTokens(10, clock().now);
    const given = claims();
    tokens.remember('Bearer t', given);
    given.sub = '8';
    expect(tokens.get('Bearer t')).toMatchObject({ sub: '7' });
  });
});
