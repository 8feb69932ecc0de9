import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseMail } from '../../../src/email/parsing/parse-mail.js';
import { rawMail } from './fixtures.js';

const base = ['From: Ann Smith <Ann@Customer.Example>', 'To: support@desk.example', 'Subject: Hello'];

describe('parseMail: identity and threading headers', () => {
  it('keeps the Message-ID as the header has it', async () => {
    const mail = await parseMail(rawMail([...base, 'Message-ID: <Abc.1@customer.example>']));
    expect(mail.messageId).toBe('<Abc.1@customer.example>');
  });

  it.each([
    ['missing', [] as string[]],
    ['blank', ['Message-ID:    ']],
    ['empty brackets', ['Message-ID: <>']],
  ])('derives a stable Message-ID when it is %s', async (_name, extra) => {
    const raw = rawMail([...base, ...extra]);
    const expected = `<${createHash('sha256').update(raw).digest('hex')}@derived.invalid>`;
    expect((await parseMail(raw)).messageId).toBe(expected);
    expect((await parseMail(Buffer.from(raw))).messageId).toBe(expected);
  });

  it.each([
    ['one id', 'In-Reply-To: <a@x>', 'References: <r1@x>', ['<a@x>'], ['<r1@x>']],
    [
      'folded list',
      'In-Reply-To: <a@x>',
      'References: <r1@x>\r\n\t<r2@x>\r\n <r3@x>',
      ['<a@x>'],
      ['<r1@x>', '<r2@x>', '<r3@x>'],
    ],
    ['duplicates', 'In-Reply-To: <a@x> <a@x>', 'References: <r1@x> <r1@x> <r2@x>', ['<a@x>'], ['<r1@x>', '<r2@x>']],
    ['without brackets', 'In-Reply-To: a@x', 'References: r1@x r2@x', ['<a@x>'], ['<r1@x>', '<r2@x>']],
    ['RFC 822 prose', 'In-Reply-To: Your message of "Mon" <a@x>', 'References: junk <> <r1@x>', ['<a@x>'], ['<r1@x>']],
    ['empty', 'In-Reply-To:', 'References:  ', [], []],
    ['only junk', 'In-Reply-To: hello world', 'References: ???', [], []],
  ])('In-Reply-To and References: %s', async (_name, irt, refs, inReplyTo, references) => {
    const mail = await parseMail(rawMail([...base, irt, refs]));
    expect(mail.inReplyTo).toEqual(inReplyTo);
    expect(mail.references).toEqual(references);
  });
});

describe('parseMail: addresses', () => {
  it('lower-cases the sender and keeps the name', async () => {
    const mail = await parseMail(rawMail(base));
    expect(mail.from).toEqual({ address: 'ann@customer.example', name: 'Ann Smith' });
  });

  it.each([
    ['no From', ['To: a@x'], null],
    ['From without an address', ['From: MAILER-DAEMON <>'], null],
    ['encoded name', ['From: =?UTF-8?B?w4VzYQ==?= <asa@x.se>'], { address: 'asa@x.se', name: 'Åsa' }],
    ['group', ['From: Team: bob@x.example;'], { address: 'bob@x.example', name: '' }],
  ])('%s', async (_name, headers, expected) => {
    expect((await parseMail(rawMail(headers))).from).toEqual(expected);
  });

  it('lists To and Cc, flattened and de-duplicated', async () => {
    const mail = await parseMail(
      rawMail(['From: a@x', 'To: One <ONE@x>, Team: two@x, three@x;', 'Cc: one@x, four@x', 'Cc: five@x']),
    );
    expect(mail.to).toEqual(['one@x', 'two@x', 'three@x']);
    expect(mail.cc).toEqual(['one@x', 'four@x', 'five@x']);
  });

  it.each([
    ['absent', [] as string[], null],
    ['null sender', ['Return-Path: <>'], ''],
    ['blank', ['Return-Path: '], ''],
    ['address', ['Return-Path: <Bounce@List.Example>'], 'bounce@list.example'],
    ['the first of several', ['Return-Path: <a@x>', 'Return-Path: <b@x>'], 'a@x'],
  ])('Return-Path %s', async (_name, headers, expected) => {
    expect((await parseMail(rawMail([...base, ...headers]))).returnPath).toBe(expected);
  });
});

describe('parseMail: subject and date', () => {
  it.each([
    ['plain', 'Subject: Hello', 'Hello'],
    ['folded', 'Subject: Hello\r\n world', 'Hello world'],
    ['encoded word', 'Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=', 'Grüße'],
    ['encoded CR LF', 'Subject: =?UTF-8?Q?a=0D=0Ab?=', 'a b'],
    ['encoded NUL', 'Subject: =?UTF-8?Q?a=00b?=', 'ab'],
    ['blank', 'Subject:   ', ''],
    ['absent', 'X-Nothing: 1', ''],
  ])('subject %s', async (_name, header, expected) => {
    expect((await parseMail(rawMail(['From: a@x', header]))).subject).toBe(expected);
  });

  it.each([
    ['RFC 5322', 'Date: Mon, 15 Jul 2013 13:16:38 -0700', '2013-07-15T20:16:38.000Z'],
    ['with a comment', 'Date: Thu, 29 Apr 2013 23:45:32 +0900 (JST)', '2013-04-29T14:45:32.000Z'],
    ['no weekday, obsolete zone', 'Date: 1 Feb 2001 10:00:00 PST', '2001-02-01T18:00:00.000Z'],
    ['two-digit year', 'Date: 21 Nov 97 09:55:06 GMT', '1997-11-21T09:55:06.000Z'],
    ['no seconds', 'Date: Tue, 1 Jul 2003 10:52 +0200', '2003-07-01T08:52:00.000Z'],
    ['garbage', 'Date: foo 12', null],
    ['impossible time', 'Date: Wed, 15 Dec 2010    59:10 -0500', null],
    ['impossible day', 'Date: 31 Feb 2020 10:00:00 +0000', null],
    ['blank', 'Date: ', null],
    ['absent', 'X-Nothing: 1', null],
  ])('date %s', async (_name, header, expected) => {
    const mail = await parseMail(rawMail(['From: a@x', header]));
    expect(mail.date?.toISOString() ?? null).toBe(expected);
  });
});
