import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { estimateSecretBits, MIN_SECRET_BITS, secretKeyProblem } from '../../src/lib/secret-strength.js';

describe('estimateSecretBits', () => {
  it('is length × log2(distinct characters)', () => {
    expect(estimateSecretBits('ab')).toBe(2);
    expect(estimateSecretBits('abcd')).toBe(8);
    expect(estimateSecretBits('0123456789abcdef')).toBe(64);
    expect(estimateSecretBits('')).toBe(0);
    expect(estimateSecretBits('x'.repeat(40))).toBe(0);
  });

  it('counts a repeated pattern once, even when the last repetition is cut short', () => {
    expect(estimateSecretBits('changeme'.repeat(4))).toBeCloseTo(estimateSecretBits('changeme'));
    expect(estimateSecretBits('abcabcab')).toBeCloseTo(3 * Math.log2(3));
    const unit = 'Kx7#pQ2!mZ9@';
    expect(estimateSecretBits(unit.repeat(6))).toBeCloseTo(estimateSecretBits(unit));
  });

  it('scores random keys of the usual generators above the bar', () => {
    for (let i = 0; i < 50; i++) {
      expect(estimateSecretBits(randomBytes(32).toString('base64'))).toBeGreaterThan(MIN_SECRET_BITS);
      expect(estimateSecretBits(randomBytes(32).toString('hex'))).toBeGreaterThan(MIN_SECRET_BITS);
      expect(estimateSecretBits(randomBytes(48).toString('base64url'))).toBeGreaterThan(MIN_SECRET_BITS);
    }
  });

  it('counts characters, not UTF-16 units', () => {
    expect(estimateSecretBits('😀😁')).toBe(2);
  });
});

describe('secretKeyProblem', () => {
  it.each([
    ['a placeholder', 'change-me-to-a-long-random-string-of-32-or-more-characters', /placeholder/],
    ['a repeated word', 'changeme'.repeat(4), /placeholder/],
    ['one character', 'x'.repeat(40), /too little entropy/],
    ['a short repeated unit', 'abc123'.repeat(8), /too little entropy/],
    ['the README example', 'your-secret-key-here-0123456789abcdef', /placeholder/],
  ])('refuses %s', (_label, secret, problem) => {
    expect(secretKeyProblem(secret)).toMatch(problem);
  });

  it('accepts random keys', () => {
    expect(secretKeyProblem(randomBytes(48).toString('base64'))).toBeUndefined();
    expect(secretKeyProblem(randomBytes(32).toString('hex'))).toBeUndefined();
  });
});

describe('SECRET_KEY at start-up', () => {
  it('stops a production start with a weak key, naming the key', () => {
    for (const secret of ['x'.repeat(40), 'changeme'.repeat(4), 'change-me-to-a-long-random-string-of-32-or-more']) {
      const start = () => loadConfig({ ENVIRONMENT: 'production', SECRET_KEY: secret });
      expect(start).toThrow(ConfigError);
      expect(start).toThrow(/SECRET_KEY/);
    }
  });

  it('takes a random key in production, and any long key in development and tests', () => {
    const random = randomBytes(48).toString('base64');
    expect(loadConfig({ ENVIRONMENT: 'production', SECRET_KEY: random }).auth.secretKey).toBe(random);
    expect(loadConfig({ ENVIRONMENT: 'test', SECRET_KEY: 'x'.repeat(40) }).auth.secretKey).toBe('x'.repeat(40));
  });
});
