import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { isCommonPassword, MIN_PASSWORD_LENGTH } from '../../src/lib/password-policy.js';

describe('isCommonPassword', () => {
  it("finds the list's first and last entries, ignoring case", () => {
    for (const password of ['123456', 'password', 'qwertyuiop', '1234567890', 'iloveyou12', 'PassWord123']) {
      expect(isCommonPassword(password), password).toBe(true);
    }
    // Near the end of the 49,233 ranked entries: the whole list is read, not a prefix.
    expect(isCommonPassword('dimazarya')).toBe(true);
  });

  it('lets uncommon passwords through', () => {
    for (const password of ['correct-horse-battery', 'long-enough-password', 'Tr0ub4dour&3-but-longer']) {
      expect(isCommonPassword(password), password).toBe(false);
    }
  });
});

describe('ADMIN_PASSWORD at start-up', () => {
  const start = (password: string) => () =>
    loadConfig({
      ENVIRONMENT: 'test',
      SECRET_KEY: 'k'.repeat(40),
      ADMIN_EMAIL: 'admin@example.com',
      ADMIN_PASSWORD: password,
    });

  it.each([
    ['shorter than the minimum', 'a'.repeat(MIN_PASSWORD_LENGTH - 1)],
    ['a common password', 'password123'],
    ['a common password in capitals', 'QWERTYUIOP'],
  ])('stops the start when it is %s, naming the key', (_label, password) => {
    expect(start(password)).toThrow(ConfigError);
    expect(start(password)).toThrow(/ADMIN_PASSWORD/);
  });

  it('takes a long uncommon one', () => {
    expect(start('correct-horse-battery')().admin?.password).toBe('correct-horse-battery');
  });
});
