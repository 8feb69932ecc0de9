import { describe, expect, it } from 'vitest';
import { type InboundMail, parseMail } from '../../../src/email/parsing/parse-mail.js';
import { classifyAutomated } from '../../../src/email/rules/loop-rules.js';
import { inboundMail, rawMail } from './fixtures.js';

const OWN = ['support@desk.example', 'Help@Desk.Example'];
type Kind = 'bounce' | 'auto_reply' | 'list' | 'loop';

const cases: [string, Partial<InboundMail>, Kind | null, RegExp?][] = [
  ['an ordinary mail', {}, null],
  ['Auto-Submitted: no', { headers: { 'auto-submitted': 'no' } }, null],
  ['Auto-Submitted: No (with a comment)', { headers: { 'auto-submitted': 'No (person)' } }, null],
  [
    'Auto-Submitted: auto-replied',
    { headers: { 'auto-submitted': 'auto-replied' } },
    'auto_reply',
    /^Auto-Submitted: auto-replied$/,
  ],
  [
    'Auto-Submitted: auto-generated',
    { headers: { 'auto-submitted': 'auto-generated' } },
    'auto_reply',
    /Auto-Submitted/,
  ],
  ['Auto-Submitted: auto-notified', { headers: { 'auto-submitted': 'auto-notified' } }, 'auto_reply', /Auto-Submitted/],
  ['Precedence: auto_reply', { headers: { precedence: 'auto_reply' } }, 'auto_reply', /Precedence/],
  ['Precedence: bulk', { headers: { precedence: 'bulk' } }, 'list', /Precedence: bulk/],
  ['Precedence: junk', { headers: { precedence: 'Junk' } }, 'list', /Precedence/],
  ['Precedence: list', { headers: { precedence: 'list' } }, 'list', /Precedence/],
  ['Precedence: first-class', { headers: { precedence: 'first-class' } }, null],
  ['X-Autoreply', { headers: { 'x-autoreply': 'yes' } }, 'auto_reply', /X-Autoreply/],
  ['X-Autorespond', { headers: { 'x-autorespond': 'Vacation' } }, 'auto_reply', /X-Autorespond/],
  ['X-Auto-Response-Suppress: All', { headers: { 'x-auto-response-suppress': 'All' } }, 'auto_reply', /Suppress: All/],
  ['X-Auto-Response-Suppress: OOF', { headers: { 'x-auto-response-suppress': 'DR, OOF' } }, 'auto_reply', /OOF/],
  ['X-Auto-Response-Suppress: AutoReply', { headers: { 'x-auto-response-suppress': 'AutoReply' } }, 'auto_reply'],
  ['X-Auto-Response-Suppress: receipts only', { headers: { 'x-auto-response-suppress': 'DR, RN, NRN' } }, null],
  ['empty Return-Path', { returnPath: '' }, 'auto_reply', /Return-Path/],
  ['Return-Path absent', { returnPath: null }, null],
  ['Outlook auto-reply subject', { subject: 'Automatic reply: Printer' }, 'auto_reply', /subject/],
  ['Apple auto-reply subject', { subject: 'Auto reply: Printer' }, 'auto_reply'],
  ['German auto-reply subject', { subject: 'Automatische Antwort: Drucker' }, 'auto_reply'],
  ['a subject that only mentions it', { subject: 'Re: our out of office policy' }, null],
  [
    'read receipt (multipart/report)',
    { headers: { 'content-type': 'multipart/report; report-type=disposition-notification' } },
    'auto_reply',
    /disposition-notification/,
  ],
  ['delivery report', { deliveryReport: { isReport: true, originalMessageId: '<o@x>' } }, 'bounce', /bounce/],
  ['X-Failed-Recipients', { headers: { 'x-failed-recipients': 'a@x' } }, 'bounce', /X-Failed-Recipients/],
  ['MAILER-DAEMON sender', { from: { address: 'mailer-daemon@mx.example', name: '' } }, 'bounce', /mail system/],
  ['postmaster sender', { from: { address: 'postmaster@mx.example', name: '' } }, 'bounce'],
  ['MAILER-DAEMON Return-Path', { returnPath: 'mailer-daemon@mx.example' }, 'bounce'],
  ['a sender merely named postmaster', { from: { address: 'postmaster.fan@x.example', name: 'Postmaster' } }, null],
  ['List-Id', { headers: { 'list-id': 'Users <users.lists.example>' } }, 'list', /List-Id/],
  ['List-Unsubscribe', { headers: { 'list-unsubscribe': '<mailto:u@x>' } }, 'list', /List-Unsubscribe/],
  ['our own address', { from: { address: 'support@desk.example', name: 'Support' } }, 'loop', /own address/],
  ['our other address, compared without case', { from: { address: 'help@desk.example', name: '' } }, 'loop'],
  ['X-Loop naming us', { headers: { 'x-loop': 'Support@Desk.Example' } }, 'loop', /X-Loop/],
  ['X-Loop naming someone else', { headers: { 'x-loop': 'list@other.example' } }, null],
  ['X-Loop in brackets', { headers: { 'x-loop': 'Desk <support@desk.example>' } }, 'loop'],
  ['X-Loop naming a longer address', { headers: { 'x-loop': 'support@desk.example.org' } }, null],
  // Precedence between rules: bounce > loop > auto-reply > list.
  [
    'bounce beats auto-reply',
    { returnPath: '', headers: { 'auto-submitted': 'auto-replied', 'x-failed-recipients': 'a@x' } },
    'bounce',
  ],
  [
    'bounce beats list',
    { deliveryReport: { isReport: true, originalMessageId: null }, headers: { 'list-id': 'l' } },
    'bounce',
  ],
  ['auto-reply beats list', { headers: { precedence: 'bulk', 'auto-submitted': 'auto-replied' } }, 'auto_reply'],
  [
    'loop beats auto-reply',
    { from: { address: 'support@desk.example', name: '' }, headers: { 'auto-submitted': 'auto-replied' } },
    'loop',
  ],
];

describe('classifyAutomated', () => {
  it.each(cases)('%s', (_name, overrides, kind, reason) => {
    const verdict = classifyAutomated(inboundMail(overrides), OWN);
    expect(verdict?.kind ?? null).toBe(kind);
    if (verdict) {
      expect(verdict.reason.length).toBeGreaterThan(5);
      expect(verdict.reason.length).toBeLessThan(200);
    }
    if (reason) expect(verdict?.reason).toMatch(reason);
  });

  it('without own addresses there is no loop rule', () => {
    expect(classifyAutomated(inboundMail({ from: { address: 'support@desk.example', name: '' } }), [])).toBeNull();
  });

  it('works on parsed mail: a free-text bounce and a forwarded one', async () => {
    const bounce = await parseMail(
      rawMail(
        ['From: Mail Delivery System <MAILER-DAEMON@mx.example>', 'Return-Path: <>', 'Subject: Mail delivery failed'],
        'This message was created automatically by mail delivery software.\r\n\r\n' +
          '------ This is a copy of the message, including all the headers. ------\r\n\r\n' +
          'Message-ID: <ours-1@desk.example>\r\nSubject: Re: Printer [#4]\r\n\r\nHello\r\n',
      ),
    );
    expect(bounce.deliveryReport).toEqual({ isReport: true, originalMessageId: '<ours-1@desk.example>' });
    expect(classifyAutomated(bounce, OWN)?.kind).toBe('bounce');

    // A customer forwarding a bounce to ask for help has the wording, but is a person writing.
    const forwarded = await parseMail(
      rawMail(
        ['From: ann@customer.example', 'Return-Path: <ann@customer.example>', 'Subject: Fwd: Mail delivery failed'],
        'Why do I get this?\r\n\r\nThis message was created automatically by mail delivery software.\r\n',
      ),
    );
    expect(forwarded.deliveryReport.isReport).toBe(false);
    expect(classifyAutomated(forwarded, OWN)).toBeNull();
  });

  it('a read receipt with the original header and a null sender is an auto-reply, not a bounce', async () => {
    const part = (type: string, body: string) => `--r\r\nContent-Type: ${type}\r\n\r\n${body}\r\n`;
    const receipt = await parseMail(
      rawMail(
        [
          'From: Ann <ann@customer.example>',
          'Return-Path: <>',
          'Subject: Read: Printer [#4]',
          'Content-Type: multipart/report; report-type=disposition-notification; boundary=r',
        ],
        part('text/plain', 'Your message was read.') +
          part('message/disposition-notification', 'Final-Recipient: rfc822; ann@customer.example') +
          part('text/rfc822-headers', 'Message-ID: <ours-2@desk.example>\r\nSubject: Printer') +
          '--r--\r\n',
      ),
    );
    expect(receipt.deliveryReport.isReport).toBe(false);
    expect(classifyAutomated(receipt, OWN)).toEqual({
      kind: 'auto_reply',
      reason: 'multipart/report (disposition-notification): an automatic report',
    });
  });
});
