import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  isSingleScript,
  normalizeUsername,
  USERNAME_PATTERN,
  usernameFromEmail,
  usernameWithSuffix,
} from '../../src/users/username.js';

const USERNAME = new RegExp(USERNAME_PATTERN, 'u');

describe('normalizeUsername (RFC 8265 UsernameCaseMapped-like)', () => {
  it('maps width and case', () => {
    expect(normalizeUsername('ａｄｍｉｎ')).toBe('admin');
    expect(normalizeUsername('ＡＤＭＩＮ')).toBe('admin');
    expect(normalizeUsername('Admin')).toBe('admin');
    expect(normalizeUsername('ｶﾀｶﾅ')).toBe('カタカナ');
  });

  it("lower-cases as JavaScript does, whatever the database's locale would", () => {
    expect(normalizeUsername('İstanbul')).toBe('i\u0307stanbul');
    expect(normalizeUsername('ÖLAF')).toBe('ölaf');
    expect(normalizeUsername('ΣΊΣΥΦΟΣ')).toBe(normalizeUsername('σίσυφος'.toUpperCase()));
  });

  it('is idempotent on every code point', () => {
    for (let cp = 0; cp < 0x110000; cp += 1) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      const once = normalizeUsername(String.fromCodePoint(cp));
      if (normalizeUsername(once) !== once) expect.fail(`U+${cp.toString(16)} is not stable`);
    }
  });
});

describe('isSingleScript', () => {
  it.each([
    'admin',
    'john.doe-2',
    'Ölaf',
    'иван_петров',
    'Σωκράτης',
    'やまだ太郎',
    'ヤマダ',
    '김철수',
    '김漢字',
    'مستخدم',
  ])('takes %s', (name) => {
    expect(isSingleScript(normalizeUsername(name))).toBe(true);
  });

  it.each([
    ['аdmin', 'a Cyrillic а among Latin letters'],
    ['pаypal', 'the same inside'],
    ['alphaβ', 'Greek and Latin'],
    ['ивanov', 'Cyrillic and Latin'],
    ['김やまだ', 'Hangul and Hiragana'],
  ])('refuses %s (%s)', (name) => {
    expect(isSingleScript(normalizeUsername(name))).toBe(false);
  });

  it('counts digits, ".", "_" and "-" as no script', () => {
    expect(isSingleScript('иван.2024_-')).toBe(true);
    expect(isSingleScript('2024')).toBe(true);
  });
});

describe('names we make ourselves', () => {
  const valid = (name: string) =>
    USERNAME.test(name) && isSingleScript(name) && normalizeUsername(name) === name && [...name].length <= 50;

  it.each([
    ['john.doe@example.com', 'john.doe'],
    ['John.Doe@Example.com', 'john.doe'],
    ['ｊｏｈｎ@example.com', 'john'],
    ['аdmin@example.com', '_dmin'],
    ['иванivan1@example.com', 'иван____1'],
    ['a@example.com', 'auser'],
    ['ÖLAF@example.com', 'ölaf'],
  ])('%s becomes %s', (email, name) => {
    expect(usernameFromEmail(email)).toBe(name);
    expect(valid(usernameFromEmail(email))).toBe(true);
  });

  it('are valid, normalised and of one script for any local part, with or without a suffix', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 80 }), fc.integer({ min: 2, max: 99 }), (local, n) => {
        const name = usernameFromEmail(`${local}@example.com`);
        expect(valid(name), JSON.stringify([local, name])).toBe(true);
        expect(valid(usernameWithSuffix(name, n)), JSON.stringify([local, name, n])).toBe(true);
      }),
      { numRuns: 2000, seed: 10 },
    );
  });

  it('never cut a character in half when shortened', () => {
    const name = usernameFromEmail(`${'𝒜'.repeat(60)}@example.com`);
    expect(name).toBe('a'.repeat(40));
    expect(usernameWithSuffix('😀'.repeat(45), 7)).not.toMatch(/[\ud800-\udfff](?![\udc00-\udfff])/u);
  });
});
