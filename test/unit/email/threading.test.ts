import { describe, expect, it } from 'vitest';
import { parseMessageIdList } from '../../../src/email/parsing/message-id.js';
import {
  candidateMessageIds,
  extractTicketToken,
  normaliseMessageId,
  replySubject,
  withTicketToken,
} from '../../../src/email/rules/threading.js';
import { inboundMail } from './fixtures.js';

describe('extractTicketToken', () => {
  it.each([
    ['Re: Printer [#42]', 42],
    ['[#42] at the start', 42],
    ['in [#7] the middle', 7],
    ['the first valid one wins [#3] [#4]', 3],
    ['largest id [#2147483647]', 2147483647],
    ['too large [#2147483648]', null],
    ['far too large [#99999999999]', null],
    ['zero [#0]', null],
    ['leading zero [#042]', null],
    ['negative [#-4]', null],
    ['space inside [# 42]', null],
    ['no hash [42]', null],
    ['bare #42', null],
    ['other format [Ticket #42]', null],
    ['letters [#42a]', null],
    ['unclosed [#42', null],
    ['decimal [#4.2]', null],
    ['full-width digits [#４２]', null],
    ['an invalid one, then a valid one [#0] [#5]', 5],
    ['', null],
  ])('%s', (subject, expected) => {
    expect(extractTicketToken(subject)).toBe(expected);
  });
});

describe('withTicketToken', () => {
  it.each([
    ['Printer on fire', 42, 'Printer on fire [#42]'],
    ['Printer on fire [#42]', 42, 'Printer on fire [#42]'],
    ['[#42] Printer on fire', 42, 'Printer on fire [#42]'],
    ['Re: Printer on fire', 42, 'Re: Printer on fire [#42]'],
    ['Printer [#7] on fire', 42, 'Printer on fire [#42]'],
    ['', 42, '[#42]'],
    ['  spaced\r\n  out  ', 42, 'spaced out [#42]'],
  ])('%j, ticket %i', (subject, id, expected) => {
    expect(withTicketToken(subject, id)).toBe(expected);
  });

  it('is idempotent', () => {
    const once = withTicketToken('Re: Printer', 9);
    expect(withTicketToken(once, 9)).toBe(once);
    expect(extractTicketToken(once)).toBe(9);
  });

  it('keeps the token on a very long subject', () => {
    const out = withTicketToken('x'.repeat(5000), 123);
    expect(out.endsWith(' [#123]')).toBe(true);
    expect(out.length).toBeLessThanOrEqual(900);
  });

  it.each([0, -1, 1.5, 2147483648, Number.NaN])('refuses ticket id %s', (id) => {
    expect(() => withTicketToken('a', id)).toThrow(RangeError);
  });
});

describe('replySubject', () => {
  it.each([
    ['Printer on fire', 'Re: Printer on fire [#42]'],
    ['Re: Printer on fire', 'Re: Printer on fire [#42]'],
    ['RE: re: Re: Printer on fire', 'Re: Printer on fire [#42]'],
    ['Fwd: Printer on fire', 'Re: Printer on fire [#42]'],
    ['Fw: Printer on fire', 'Re: Printer on fire [#42]'],
    ['AW: WG: Printer on fire', 'Re: Printer on fire [#42]'],
    ['Ответ: Принтер горит', 'Re: Принтер горит [#42]'],
    ['Re[2]: Printer on fire', 'Re: Printer on fire [#42]'],
    ['Re: Printer on fire [#42]', 'Re: Printer on fire [#42]'],
    ['[#42] Re: Printer on fire', 'Re: Printer on fire [#42]'],
    ['Re: Printer [#7] on fire', 'Re: Printer on fire [#42]'],
    ['Regarding the printer', 'Re: Regarding the printer [#42]'],
    ['Area 51', 'Re: Area 51 [#42]'],
    ['', 'Re: [#42]'],
    ['Re:', 'Re: [#42]'],
    ['Hello\r\nBcc: x@example.com', 'Re: Hello Bcc: x@example.com [#42]'],
  ])('%j', (subject, expected) => {
    expect(replySubject(subject, 42)).toBe(expected);
  });

  it('is stable when applied to its own output', () => {
    const first = replySubject('Fwd: Re: Printer', 5);
    expect(replySubject(first, 5)).toBe(first);
  });
});

describe('normaliseMessageId', () => {
  it.each([
    ['<abc@example.com>', '<abc@example.com>'],
    ['  <abc@example.com>  ', '<abc@example.com>'],
    ['abc@example.com', '<abc@example.com>'],
    ['<abc@\r\n example.com>', '<abc@example.com>'],
    ['<no-at-sign>', '<no-at-sign>'],
    ['Your message of Mon <abc@example.com>', '<abc@example.com>'],
    ['<>', null],
    ['', null],
    ['   ', null],
    ['no id here', null],
    ['no-at-sign', null],
    ['<a@b> <c@d>', '<a@b>'],
    ['<<a@b>>', '<a@b>'],
    ['<a@b', null],
    [`<${'x'.repeat(1000)}@example.com>`, null],
  ])('%j', (raw, expected) => {
    expect(normaliseMessageId(raw)).toBe(expected);
  });
});

describe('parseMessageIdList', () => {
  it.each([
    ['<a@x> <b@x>', ['<a@x>', '<b@x>']],
    ['<a@x>\r\n\t<b@x>', ['<a@x>', '<b@x>']],
    ['<a@x><b@x>', ['<a@x>', '<b@x>']],
    ['<a@x> <a@x> <b@x>', ['<a@x>', '<b@x>']],
    ['a@x b@x', ['<a@x>', '<b@x>']],
    ['a@x, b@x', ['<a@x>', '<b@x>']],
    ['<a@x> junk <> <b@x>', ['<a@x>', '<b@x>']],
    ['just words', []],
    ['', []],
    [null, []],
  ])('%j', (raw, expected) => {
    expect(parseMessageIdList(raw)).toEqual(expected);
  });
});

describe('candidateMessageIds', () => {
  it('In-Reply-To first, then References newest first, without repeats', () => {
    const mail = inboundMail({ inReplyTo: ['<c@x>'], references: ['<a@x>', '<b@x>', '<c@x>'] });
    expect(candidateMessageIds(mail)).toEqual(['<c@x>', '<b@x>', '<a@x>']);
  });

  it('works with either list empty', () => {
    expect(candidateMessageIds(inboundMail({ references: ['<a@x>', '<b@x>'] }))).toEqual(['<b@x>', '<a@x>']);
    expect(candidateMessageIds(inboundMail({ inReplyTo: ['<a@x>'] }))).toEqual(['<a@x>']);
    expect(candidateMessageIds(inboundMail())).toEqual([]);
  });

  it('does not reorder the mail it reads', () => {
    const mail = inboundMail({ references: ['<a@x>', '<b@x>'] });
    candidateMessageIds(mail);
    expect(mail.references).toEqual(['<a@x>', '<b@x>']);
  });
});
