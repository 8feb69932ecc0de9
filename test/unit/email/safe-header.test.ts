import { describe, expect, it } from 'vitest';
import { headerText } from '../../../src/email/rules/safe-header.js';

describe('headerText', () => {
  it.each([
    ['plain text stays', 'Ann Smith', 200, 'Ann Smith'],
    ['CR LF cannot start a new header', 'Ann\r\nBcc: victim@example.com', 200, 'Ann Bcc: victim@example.com'],
    ['a lone LF', 'a\nb', 200, 'a b'],
    ['a lone CR', 'a\rb', 200, 'a b'],
    ['NUL and other C0 controls', 'a\u0000b\u0007c\u001bd', 200, 'a b c d'],
    ['DEL and C1 controls', 'a\u007fb\u0085c', 200, 'a b c'],
    ['Unicode line and paragraph separators', 'a\u2028b\u2029c', 200, 'a b c'],
    ['white space collapses and is trimmed', '  a \t\t b   ', 200, 'a b'],
    ['cut to max', 'abcdef', 3, 'abc'],
    ['cut at a code point, not inside a surrogate pair', '😀😀😀', 2, '😀😀'],
    ['no trailing space after a cut', 'ab cd', 3, 'ab'],
    ['empty stays empty', '', 200, ''],
    ['only controls give empty', '\r\n\u0000', 200, ''],
    ['zero max', 'abc', 0, ''],
  ])('%s', (_name, input, max, expected) => {
    const out = headerText(input, max);
    expect(out).toBe(expected);
    expect(out).not.toMatch(/[\r\n\0]/);
    expect(Array.from(out).length).toBeLessThanOrEqual(max);
  });

  it('defaults to 200 characters', () => {
    expect(Array.from(headerText('x'.repeat(500))).length).toBe(200);
    expect(headerText('é'.repeat(250))).toBe('é'.repeat(200));
  });

  it('never leaves a lone surrogate', () => {
    for (let max = 0; max < 12; max++) {
      const out = headerText('a😀b😀c😀d😀', max);
      expect(out).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
    }
  });
});
