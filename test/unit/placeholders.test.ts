import { describe, expect, it } from 'vitest';
import { likeContaining } from '../../src/canned-responses/canned-response-repository.js';
import { fillPlaceholders } from '../../src/canned-responses/placeholders.js';
import { decodeTitleCursor, encodeTitleCursor } from '../../src/canned-responses/title-cursor.js';

const values = new Map([
  ['customer.username', 'anna'],
  ['customer.email', 'anna@example.com'],
  ['ticket.id', '42'],
  ['ticket.subject', 'Printer on fire'],
  ['operator.username', 'boris'],
]);

describe('fillPlaceholders', () => {
  it('fills every known placeholder, with or without spaces inside the braces', () => {
    const text =
      'Hi {{customer.username}} <{{ customer.email }}>, about #{{ticket.id}} "{{  ticket.subject\t}}" — {{operator.username }}';
    expect(fillPlaceholders(text, values)).toBe('Hi anna <anna@example.com>, about #42 "Printer on fire" — boris');
  });

  it('leaves unknown placeholders and near-misses exactly as written', () => {
    for (const text of [
      '{{customer.phone}}',
      '{{ Customer.Username }}',
      '{customer.username}',
      '{{customer.username}',
      '{{ }}',
      '{{constructor}}',
      '{{__proto__}}',
      '{{customer. username}}',
    ]) {
      expect(fillPlaceholders(text, values), text).toBe(text);
    }
  });

  it('fills repeats, and inserts values as plain text ($ patterns, braces and markup included)', () => {
    const odd = new Map([['ticket.subject', '$& $1 $$ {{ticket.id}} <b>&amp;</b>']]);
    expect(fillPlaceholders('{{ticket.subject}}|{{ ticket.subject }}', odd)).toBe(
      '$& $1 $$ {{ticket.id}} <b>&amp;</b>|$& $1 $$ {{ticket.id}} <b>&amp;</b>',
    );
  });

  it('keeps text without placeholders as it is', () => {
    expect(fillPlaceholders('', values)).toBe('');
    expect(fillPlaceholders('Just {text} and }} {{', values)).toBe('Just {text} and }} {{');
  });
});

describe('likeContaining', () => {
  it('escapes LIKE wildcards and the escape character', () => {
    expect(likeContaining('50%_off\\')).toBe('%50\\%\\_off\\\\%');
    expect(likeContaining('plain')).toBe('%plain%');
  });
});

describe('title cursors', () => {
  it('round-trip titles of any script, up to 200 characters', () => {
    for (const title of ['', 'Printer', 'Принтер "не" печатает', '😀'.repeat(100), 'x'.repeat(200)]) {
      const encoded = encodeTitleCursor({ title, id: 7 });
      expect(encoded).toMatch(/^[A-Za-z0-9_-]{1,2000}$/);
      expect(decodeTitleCursor(encoded)).toEqual({ title, id: 7 });
    }
  });

  it('refuses what was never issued with 422 at the cursor', () => {
    const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    for (const text of [
      'not-json',
      b64([1, 2]),
      b64(['t']),
      b64(['t', -1]),
      b64(['t', 2_147_483_648]),
      b64(['t', 1.5]),
      b64(['x'.repeat(201), 1]),
      b64(['nul\u0000', 1]),
      b64(['half \udfff', 1]),
      b64({ title: 't', id: 1 }),
    ]) {
      expect(() => decodeTitleCursor(text), text).toThrow(expect.objectContaining({ status: 422 }));
    }
  });
});
