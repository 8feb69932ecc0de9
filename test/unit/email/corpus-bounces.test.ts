import { beforeAll, describe, expect, it } from 'vitest';
import { FILES, loadCorpus, lookups, type Outcome, readCorpusFile } from './corpus-fixture.js';

/**
 * The bounces of the corpus: every multipart/report delivery report is one, and where the returned
 * message is included, its Message-ID is found, so the bounce can be linked to the mail it returns.
 */

const outcomes = new Map<string, Outcome>();
beforeAll(async () => {
  for (const [file, result] of await loadCorpus()) outcomes.set(file, result);
}, 120_000);
const { mailOf, kindOf } = lookups(outcomes);

describe('multipart/report bounces of the other folders', () => {
  const reports = [
    'mail-gem/mime_emails/raw_email_with_mimepart_without_content_type.eml',
    'mail-gem/multipart_report_emails/multi_address_bounce1.eml',
    'mail-gem/multipart_report_emails/multi_address_bounce2.eml',
    'mail-gem/multipart_report_emails/multipart_report_multiple_status.eml',
    'mail-gem/multipart_report_emails/report_422.eml',
    'mail-gem/multipart_report_emails/report_530.eml',
    'mailparser/delivery-status.eml',
    'python-email/msg_05.txt',
    'python-email/msg_16.txt',
    'python-email/msg_25.txt',
    'python-email/msg_43.txt',
  ];

  it('are exactly the files whose top header says multipart/report', () => {
    const found = FILES.filter((file) => {
      if (!/^(?:mail-gem|mailparser|python-email)\//.test(file)) return false;
      const head =
        readCorpusFile(file)
          .toString('latin1')
          .split(/\r?\n\r?\n/)[0] ?? '';
      return /^content-type:\s*multipart\/report/im.test(head);
    });
    expect(found).toEqual(reports);
  });

  it.each(reports)('%s is a bounce', (file) => {
    expect(kindOf(file)).toBe('bounce');
  });
});

describe('the returned message of a bounce', () => {
  it.each([
    // Standard DSNs (RFC 3464): message/rfc822 or text/rfc822-headers part.
    ['sisimai/bsd_rfc3464-01.eml', '<E1C50F1B-1C83-4820-BC36-AC6FBFBE8568@example.org>'],
    ['sisimai/bsd_rfc3464-03.eml', '<220000000022.0000.0000000000000000222@NEKO.NYAAN>'],
    ['sisimai/bsd_lhost-sendmail-01.eml', '<E1C50F1B-1C83-4820-BC36-AC6FBFBE8568@example.org>'],
    [
      'sisimai/bsd_lhost-amazonses-01.eml',
      '<000001321defbd2a-788e31c8-2be1-422f-a8d4-cf7765cc9ed7-000000@email.amazonses.com>',
    ],
    ['sisimai/bsd_lhost-barracuda-01.eml', '<ad4be1052982bf7aa5558be760abbf74@neko.example.com>'],
    ['sisimai/bsd_lhost-messagingserver-01.eml', '<CD8C6134-C312-41D5-B083-366F7FA1D752@me.example.com>'],
    ['sisimai/bsd_lhost-office365-01.eml', '<FFFFFFFF.EEEEEEEE@example.ed.jp>'],
    ['sisimai/bsd_lhost-outlook-01.eml', '<BLU436-SMTP6645ECA6E7FEFFE86D040BBA770@phx.gbl>'],
    ['sisimai/bsd_lhost-sendgrid-01.eml', '<F9B4AEED-722D-47FD-929E-3625AF2161BB@example.jp>'],
    ['sisimai/bsd_lhost-yandex-01.eml', '<446281417885946@web20h.yandex.ru>'],
    ['sisimai/bsd_lhost-mcafee-01.eml', '<000000000000000000000.shironeko@example.jp>'],
    ['sisimai/bsd_rhost-microsoft-01.eml', '<00000000000000000000000000000000000000000000000@example.net>'],
    // Its boundary is broken, so the returned header sits inside the delivery-status part.
    ['sisimai/bsd_rhost-google-01.eml', '<201305110000000000000.r4B003v000000@mail4.example.co.jp>'],
    ['mailparser/delivery-status.eml', '<xxxxx@email.amazonses.com>'],
    ['python-email/msg_16.txt', '<002001c144a6$8752e060$56104586@oxy.edu>'],
    // Content-Type boundary cut short ("bo"): found in the raw body.
    ['python-email/msg_25.txt', '<01040616033903.00962@server>'],
    ['mail-gem/multipart_report_emails/report_530.eml', '<200712232303.lBNN3jDq002941@mail12.rrrr.com.au>'],
    // Free-text bounces with the original copied below a marker line.
    ['sisimai/bsd_lhost-exim-01.eml', '<E1P1ce6-000Egt-GZ@e1.example.org>'],
    ['sisimai/bsd_lhost-qmail-01.eml', '<000000000.9999999999999.JavaMail.postmaster@mailhub>'],
    ['sisimai/bsd_lhost-gmail-01.eml', '<D992C2C3-F175-4C4D-97E2-53A90E4E5BF5@gmail.com>'],
    ['sisimai/bsd_lhost-yahoo-01.eml', '<6AE6249A-E7A8-4980-862C-F499F6B8E7C5@y.example.co.jp>'],
    ['sisimai/bsd_lhost-zoho-01.eml', '<14a3e1b4b5a.10b1a4c5610175.8588386083425091336@zoho.example.com>'],
    ['sisimai/bsd_lhost-trendmicro-01.eml', '<00000000000.000000000000@e3.example.co.jp>'],
  ])('%s returns %s', (file, original) => {
    expect(mailOf(file).deliveryReport).toEqual({ isReport: true, originalMessageId: original });
  });

  it.each([
    // Postfix's message/rfc822 part is empty in this sample: nothing was returned.
    'sisimai/bsd_lhost-postfix-01.eml',
    // The returned original has no Message-ID header (courier, Exchange 2007), or only its subject and
    // recipients are quoted (Domino, Exchange 2003, Mimecast, OpenSMTPD).
    'sisimai/bsd_lhost-courier-01.eml',
    'sisimai/bsd_lhost-exchange2007-01.eml',
    'sisimai/bsd_lhost-domino-01.eml',
    'sisimai/bsd_lhost-exchange2003-01.eml',
    'sisimai/bsd_lhost-mimecast-01.eml',
    'sisimai/bsd_lhost-opensmtpd-01.eml',
  ])('%s is a report without a returned Message-ID', (file) => {
    expect(mailOf(file).deliveryReport).toEqual({ isReport: true, originalMessageId: null });
  });
});
