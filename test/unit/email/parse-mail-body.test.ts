import { describe, expect, it } from 'vitest';
import { MailParseError, parseMail } from '../../../src/email/parsing/parse-mail.js';
import { rawMail } from './fixtures.js';

const base = ['From: Ann Smith <Ann@Customer.Example>', 'To: support@desk.example', 'Subject: Hello'];

describe('parseMail: bodies and attachments', () => {
  it('plain text', async () => {
    const mail = await parseMail(rawMail(base, 'Hello there\r\n'));
    expect(mail.text.trim()).toBe('Hello there');
    expect(mail.html).toBeNull();
  });

  it('HTML only: text is a rendering of it', async () => {
    const mail = await parseMail(
      rawMail([...base, 'Content-Type: text/html; charset=utf-8'], '<p>Hello <b>there</b></p><p>Bye</p>'),
    );
    expect(mail.html).toContain('<b>there</b>');
    expect(mail.text).toContain('Hello there');
    expect(mail.text).toContain('Bye');
  });

  it('no body at all gives empty text, never undefined', async () => {
    const mail = await parseMail(Buffer.from('From: a@x\r\n\r\n'));
    expect(mail.text).toBe('');
    expect(mail.attachments).toEqual([]);
  });

  it('attachments get safe names, and inline parts are marked', async () => {
    const part = (headers: string[], body: string) => `--b\r\n${headers.join('\r\n')}\r\n\r\n${body}\r\n`;
    const body = [
      part(['Content-Type: text/plain'], 'see attached'),
      part(['Content-Type: application/pdf', 'Content-Disposition: attachment; filename="../../etc/passwd"'], 'x'),
      part(['Content-Type: application/pdf', 'Content-Disposition: attachment; filename="C:\\\\a\\\\b.pdf"'], 'x'),
      part(['Content-Type: application/octet-stream', 'Content-Disposition: attachment'], 'x'),
      part(['Content-Type: image/png', 'Content-Disposition: inline', 'Content-ID: <img1@x>'], 'x'),
      part(['Content-Type: text/plain', 'Content-Disposition: attachment; filename="a\u0007b\u202etxt.exe"'], 'x'),
      part(
        ['Content-Type: application/pdf', `Content-Disposition: attachment; filename="${'n'.repeat(300)}.pdf"`],
        'x',
      ),
      '--b--\r\n',
    ].join('');
    const mail = await parseMail(rawMail([...base, 'Content-Type: multipart/mixed; boundary=b'], body));
    expect(mail.text.trim()).toBe('see attached');
    const names = mail.attachments.map((a) => a.filename);
    expect(names[0]).toBe('passwd');
    expect(names[1]).toBe('b.pdf');
    expect(names[2]).toBe('attachment-3.bin');
    expect(names[3]).toBe('attachment-4.png');
    expect(names[4]).toBe('abtxt.exe');
    expect(names[5]).toBe(`${'n'.repeat(196)}.pdf`);
    for (const name of names) {
      expect(name).not.toMatch(/[/\\\p{Cc}]/u);
      expect(name.length).toBeLessThanOrEqual(200);
    }
    expect(mail.attachments[3]).toMatchObject({ inline: true, contentId: '<img1@x>', contentType: 'image/png' });
    expect(mail.attachments[0]).toMatchObject({ inline: false, contentId: null, size: 1 });
    expect(Buffer.isBuffer(mail.attachments[0]?.content)).toBe(true);
  });

  it('keeps the headers loop detection needs, raw and lower-case', async () => {
    const mail = await parseMail(
      rawMail([
        ...base,
        'Auto-Submitted: auto-replied',
        'Precedence: bulk',
        'List-Id: Users <users.list.example>',
        'List-Unsubscribe: <mailto:leave@list.example>',
        'X-Loop: support@desk.example',
        'X-Loop: other@x',
        'X-Unrelated: 1',
      ]),
    );
    expect(mail.headers).toEqual({
      'auto-submitted': 'auto-replied',
      precedence: 'bulk',
      'list-id': 'Users <users.list.example>',
      'list-unsubscribe': '<mailto:leave@list.example>',
      'x-loop': 'support@desk.example, other@x',
    });
  });
});

describe('parseMail: limits and failures', () => {
  it('a mail over maxBytes is not parsed beyond its header', async () => {
    const raw = rawMail([...base, 'Message-ID: <big@x>', 'Content-Type: text/plain'], 'x'.repeat(10_000));
    const mail = await parseMail(raw, { maxBytes: 5_000 });
    expect(mail).toMatchObject({ tooLarge: true, messageId: '<big@x>', subject: 'Hello', text: '', html: null });
    expect(mail.attachments).toEqual([]);
    expect(mail.sizeBytes).toBe(raw.length);
    expect(mail.from?.address).toBe('ann@customer.example');
  });

  it('a mail at maxBytes is parsed', async () => {
    const raw = rawMail(base, 'body');
    expect((await parseMail(raw, { maxBytes: raw.length })).tooLarge).toBe(false);
  });

  it('a huge header of a too-large mail does not throw', async () => {
    const raw = rawMail(['From: a@x', `X-Big: ${'a'.repeat(2_000_000)}`], 'body');
    const mail = await parseMail(raw, { maxBytes: 1_000 });
    expect(mail.tooLarge).toBe(true);
    expect(mail.messageId).toMatch(/@derived\.invalid>$/);
  });

  it('what mailparser refuses is a MailParseError', async () => {
    const parts = Array.from({ length: 1100 }, (_, i) => `--b\r\nContent-Type: text/plain\r\n\r\n${i}\r\n`).join('');
    const raw = rawMail(['From: a@x', 'Content-Type: multipart/mixed; boundary=b'], `${parts}--b--\r\n`);
    await expect(parseMail(raw)).rejects.toBeInstanceOf(MailParseError);
  });

  it.each([
    ['empty', ''],
    ['no header', 'just a line of text'],
    ['binary', '\u0000\u0001\u0002\u00ff'],
    ['header without body', 'From: a@x'],
    ['broken boundary', 'Content-Type: multipart/mixed; boundary="x"\r\n\r\n--y\r\nnot a part'],
    ['unknown charset', 'Content-Type: text/plain; charset=x-klingon\r\n\r\nqapla'],
    ['bad base64', 'Content-Transfer-Encoding: base64\r\n\r\n!!!not base64!!!'],
    ['8-bit header', 'Subject: caf\u00e9 \u00ff\r\n\r\nbody'],
  ])('does not throw on malformed input: %s', async (_name, text) => {
    const mail = await parseMail(Buffer.from(text, 'latin1'));
    expect(typeof mail.text).toBe('string');
    expect(mail.messageId).toMatch(/^<.+>$/);
  });
});
