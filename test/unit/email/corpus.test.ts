import { beforeAll, describe, expect, it } from 'vitest';
import { MailParseError } from '../../../src/email/parsing/parse-mail.js';
import { FILES, loadCorpus, lookups, type Outcome } from './corpus-fixture.js';

/**
 * Every message of the shared corpus through parseMail + classifyAutomated: nothing throws but a rare
 * MailParseError, nothing takes long, and the known bounces, auto-replies and ordinary mails are
 * classified as such. The returned messages of bounces are checked in corpus-bounces.test.ts.
 */

/** Per message; the slowest today take a fraction of a second (the 1 MB mails of mailparser/). */
const MAX_MS_PER_FILE = 5_000;
/** Messages mailparser itself refuses (MailParseError). None today; any new one must be listed here. */
const UNPARSEABLE: string[] = [];

const outcomes = new Map<string, Outcome>();
beforeAll(async () => {
  for (const [file, result] of await loadCorpus()) outcomes.set(file, result);
}, 120_000);
const { outcome, mailOf, kindOf } = lookups(outcomes);

describe('mail corpus', () => {
  it('has the folders the README lists', () => {
    expect(FILES.length).toBeGreaterThanOrEqual(270);
    for (const folder of [
      'mail-gem/',
      'mailparser/',
      'mail-mime-parser/',
      'python-email/',
      'sisimai/',
      'spamassassin-debian/',
    ]) {
      expect(FILES.some((file) => file.startsWith(folder))).toBe(true);
    }
  });

  it.each(FILES)('%s: parses and is classified, in bounded time', (file) => {
    const { error, ms, mail } = outcome(file);
    if (error && !(error instanceof MailParseError)) throw error;
    if (mail) expect(mail.messageId).toMatch(/^<[^<>\s]+>$/);
    expect(ms).toBeLessThan(MAX_MS_PER_FILE);
  });

  it('mailparser refuses only the listed messages', () => {
    const refused = FILES.filter((file) => outcome(file).error instanceof MailParseError);
    expect(refused).toEqual(UNPARSEABLE);
  });
});

describe('sisimai: bounces', () => {
  const bounces = FILES.filter((file) => /^sisimai\/bsd_(?:lhost|rhost|rfc3464)-/.test(file));

  it('are all there', () => {
    expect(bounces.length).toBe(31);
  });

  it.each(bounces)('%s is a bounce', (file) => {
    expect(kindOf(file)).toBe('bounce');
  });

  it('the abuse report (ARF, RFC 5965) is automated', () => {
    expect(kindOf('sisimai/bsd_arf-01.eml')).not.toBeNull();
  });
});

describe('sisimai: RFC 3834 auto-replies', () => {
  // Each file read by hand. None is a bounce: none has a delivery report, bounce wording or a daemon
  // sender; they are vacation and out-of-office answers, and each has its own sign.
  it.each([
    // Auto-Submitted: auto-replied (the RFC 3834 §5 header itself).
    ['sisimai/bsd_rfc3834-01.eml', /^Auto-Submitted: auto-replied$/],
    // Exchange out-of-office: X-Auto-Response-Suppress: All, "Automatic reply:", Return-Path <>.
    ['sisimai/bsd_rfc3834-02.eml', /X-Auto-Response-Suppress: All/],
    // Apple iCloud vacation: no header at all (only X-Apple-Action: VACATION); the subject "Auto reply:" tells.
    ['sisimai/bsd_rfc3834-03.eml', /subject of an automatic reply/],
    // Exchange out-of-office again, through a MessageLabs relay.
    ['sisimai/bsd_rfc3834-04.eml', /X-Auto-Response-Suppress: All/],
    // Auto-Submitted: auto-replied, Return-Path <>, an unrelated subject.
    ['sisimai/bsd_rfc3834-05.eml', /^Auto-Submitted: auto-replied$/],
    // Mimecast auto-responder: Auto-Submitted and Precedence: bulk; auto-reply wins over list.
    ['sisimai/bsd_rfc3834-06.eml', /^Auto-Submitted: auto-replied$/],
  ])('%s is an auto-reply', (file, reason) => {
    expect(kindOf(file)).toBe('auto_reply');
    expect(outcome(file).verdict?.reason).toMatch(reason);
  });
});

describe('sisimai: not bounces', () => {
  it.each([
    'sisimai/not_is-not-bounce-01.eml', // a plain text message sent with curl
    'sisimai/not_is-not-bounce-02.eml', // a person forwarding a mail as a message/rfc822 attachment
  ])('%s is ordinary mail', (file) => {
    expect(outcome(file).verdict).toBeNull();
  });

  // sisimai files this one under "not" because its own parser found no bounce in it (sisimai issue
  // 368), but the message is a bounce by every sign DESIGN.md §6 lists: Return-Path <>,
  // Auto-Submitted: auto-replied, From postmaster@, subject "email bounce notification", a body saying
  // "an email you sent was rejected" and the returned message below it. It must never open a ticket.
  it('sisimai/not_rb-issue-368-bug.eml is a bounce all the same', () => {
    expect(kindOf('sisimai/not_rb-issue-368-bug.eml')).toBe('bounce');
    expect(mailOf('sisimai/not_rb-issue-368-bug.eml').deliveryReport.originalMessageId).toBe(
      '<68e0b7e3615cd_1dc7010592ed@7cf4d87f87-9r5w2.mail>',
    );
  });
});

describe('spamassassin samples', () => {
  // The ham is a person's newsletter: no bounce, no auto-reply. It carries Precedence: list, and
  // DESIGN.md §6 drops list mail, so it is recorded as list mail rather than opening a ticket.
  it('the ham is neither a bounce nor an auto-reply: list mail (Precedence: list)', () => {
    expect(outcome('spamassassin-debian/sample-nonspam.txt').verdict).toEqual({
      kind: 'list',
      reason: 'Precedence: list',
    });
  });

  it('the spam (GTUBE) says Precedence: junk', () => {
    expect(kindOf('spamassassin-debian/sample-spam.txt')).toBe('list');
  });
});

describe('ordinary mail of the corpus is not taken for automatic mail', () => {
  it.each([
    'mail-gem/plain_emails/basic_email.eml',
    'mail-gem/plain_emails/raw_email_reply.eml',
    'mail-gem/attachment_emails/attachment_pdf.eml',
    'mail-gem/multi_charset/japanese.eml',
    'mail-gem/rfc6532/utf8_headers.eml',
    'mail-mime-parser/m0001.txt',
    'mail-mime-parser/m1001.txt',
    'mail-mime-parser/m2001.txt',
    'mail-mime-parser/m3001.txt',
    'mailparser/nodemailer.eml',
    'python-email/msg_01.txt',
  ])('%s', (file) => {
    expect(outcome(file).verdict).toBeNull();
  });
});
