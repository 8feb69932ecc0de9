import { describe, expect, it } from 'vitest';
import { stripQuotedReply } from '../../../src/email/rules/quote-strip.js';

const lines = (...parts: string[]) => parts.join('\n');

describe('stripQuotedReply', () => {
  it.each([
    [
      'plain text is kept',
      lines('Hello,', '', 'the printer is on fire.'),
      lines('Hello,', '', 'the printer is on fire.'),
    ],
    [
      'Gmail / Apple one-line attribution',
      lines('Thanks, it works.', '', 'On Mon, Jan 1, 2024 at 10:00 AM Bob <bob@desk.example> wrote:', '> Try this.'),
      'Thanks, it works.',
    ],
    [
      'Gmail attribution wrapped over two lines',
      lines(
        'Thanks, it works.',
        '',
        'On Mon, Jan 1, 2024 at 10:00 AM Support Desk of Example Corporation <',
        'support@desk.example> wrote:',
        '',
        '> Try this.',
      ),
      'Thanks, it works.',
    ],
    [
      'Gmail attribution wrapped over three lines',
      lines('Yes.', 'On Mon, Jan 1, 2024 at 10:00 AM', 'Support Desk', '<support@desk.example> wrote:', '> Try this.'),
      'Yes.',
    ],
    ['Thunderbird attribution', lines('Done.', '', 'On 01/01/2024 10:00, Bob wrote:', '> Try this.'), 'Done.'],
    [
      'Outlook "Original Message" separator',
      lines('See below.', '', '-----Original Message-----', 'From: Bob', 'Sent: Monday', 'Try this.'),
      'See below.',
    ],
    [
      'Outlook Express separator',
      lines('See below.', '----- Original Message -----', 'From: Bob', 'Try this.'),
      'See below.',
    ],
    [
      'Outlook header block',
      lines(
        'Works now.',
        '',
        'From: Support <support@desk.example>',
        'Sent: Monday, January 1, 2024 10:00 AM',
        'To: Ann <ann@customer.example>',
        'Subject: Re: Printer [#4]',
        '',
        'Try this.',
      ),
      'Works now.',
    ],
    [
      'Outlook header block under a rule',
      lines('Works now.', '', '________________________________', 'From: Support', 'Sent: Monday', 'Try this.'),
      'Works now.',
    ],
    [
      'Outlook header block with bold markers and Date',
      lines('Works now.', '*From:* Support', '*Date:* Monday', 'Try this.'),
      'Works now.',
    ],
    [
      'German Outlook header block',
      lines('Danke.', 'Von: Support', 'Gesendet: Montag', 'An: Ann', 'Versuchen Sie das.'),
      'Danke.',
    ],
    [
      'French attribution',
      lines('Merci.', '', 'Le 1 janv. 2024 à 10:00, Bob <bob@x.fr> a écrit :', '> Essayez.'),
      'Merci.',
    ],
    [
      'German attribution',
      lines('Danke.', '', 'Am 01.01.2024 um 10:00 schrieb Bob <bob@x.de>:', '> Versuch.'),
      'Danke.',
    ],
    ['Russian "пишет:"', lines('Спасибо.', '', '01.01.2024 10:00, Боб пишет:', '> Попробуйте.'), 'Спасибо.'],
    ['Russian "написал(а):"', lines('Спасибо.', '', 'Боб <bob@x.ru> написал(а):', '> Попробуйте.'), 'Спасибо.'],
    ['trailing > quotes', lines('Yes, please.', '', '> Shall we?', '> ', '>> Earlier'), 'Yes, please.'],
    ['signature after "-- "', lines('Yes.', '', '-- ', 'Ann Smith', 'ACME Corp'), 'Yes.'],
    ['signature before the history', lines('Yes.', '-- ', 'Ann', '', 'On Mon, Jan 1, 2024, Bob wrote:', '> ?'), 'Yes.'],
    ['"--" without the space is not a signature separator', lines('a', '--', 'b'), lines('a', '--', 'b')],
    ['CRLF line ends', 'Fine.\r\n\r\nOn Mon, Jan 1, 2024 Bob wrote:\r\n> ?\r\n', 'Fine.'],
    [
      'interleaved quotes in the middle are kept',
      lines('> Is it on?', 'Yes.', '> Is it hot?', 'Very.'),
      lines('> Is it on?', 'Yes.', '> Is it hot?', 'Very.'),
    ],
    [
      'bottom-posted reply keeps the new text',
      lines('On Mon, Jan 1, 2024 Bob wrote:', '> Did it work?', '', 'Yes it did.'),
      'Yes it did.',
    ],
    ['everything quoted returns the original', lines('> only', '> quotes'), lines('> only', '> quotes')],
    [
      'only an attribution and quotes returns the original',
      lines('On Mon, Jan 1, 2024 Bob wrote:', '> hi'),
      lines('On Mon, Jan 1, 2024 Bob wrote:', '> hi'),
    ],
    ['empty stays empty', '', ''],
    ['only white space trims to empty', '  \n ', ''],
    [
      'a sentence starting with "On" is not an attribution',
      lines('On Monday I restarted it.', 'It failed.', 'My colleague wrote:', 'please check'),
      lines('On Monday I restarted it.', 'It failed.', 'My colleague wrote:', 'please check'),
    ],
    [
      'an attribution without a date is not cut',
      lines('On this topic Bob wrote:', 'the manual says so'),
      lines('On this topic Bob wrote:', 'the manual says so'),
    ],
    [
      'a "From:" line alone is not a header block',
      lines('From: the second floor', 'the printer smokes'),
      lines('From: the second floor', 'the printer smokes'),
    ],
    [
      'the text before a Russian attribution is kept',
      lines('Спасибо за помощь.', '15.01.2024, Иван пишет:', '> текст'),
      'Спасибо за помощь.',
    ],
  ])('%s', (_name, input, expected) => {
    expect(stripQuotedReply(input)).toBe(expected);
  });

  it('never returns empty for a text that says something', () => {
    const samples = ['-- \nsig only', '> q\nOn Mon, 1 Jan 2024 Bob wrote:\n> q', 'x'];
    for (const sample of samples) expect(stripQuotedReply(sample)).not.toBe('');
  });

  it('is fast on hostile input', () => {
    const hostile = `${'On '.repeat(20_000)}\n${'> \n'.repeat(20_000)}${'From: x\n'.repeat(5_000)}`;
    const started = performance.now();
    stripQuotedReply(hostile);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
