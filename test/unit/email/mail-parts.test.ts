import { describe, expect, it } from 'vitest';
import { safeFilename } from '../../../src/email/parsing/attachment-name.js';
import { htmlToRoughText } from '../../../src/email/parsing/mail-body.js';

describe('safeFilename', () => {
  it.each([
    ['report.pdf', 0, 'application/pdf', 'report.pdf'],
    ['../../etc/passwd', 0, 'text/plain', 'passwd'],
    ['C:\\Users\\ann\\report.pdf', 0, 'application/pdf', 'report.pdf'],
    ['folder/', 1, 'application/pdf', 'attachment-2.pdf'],
    ['..', 0, 'text/plain', 'attachment-1.txt'],
    ['.bashrc', 0, 'text/plain', 'bashrc'],
    ['name.', 0, 'text/plain', 'name'],
    ['  spaced   name .txt ', 0, 'text/plain', 'spaced name .txt'],
    ['tab\tand\nnewline.txt', 0, 'text/plain', 'tabandnewline.txt'],
    ['invoice\u202efdp.exe', 0, 'application/octet-stream', 'invoicefdp.exe'],
    ['what?<>:"|*.txt', 0, 'text/plain', 'what.txt'],
    ['', 2, 'message/rfc822', 'attachment-3.eml'],
    [null, 0, 'IMAGE/JPEG', 'attachment-1.jpg'],
    [undefined, 4, 'application/x-unknown', 'attachment-5.bin'],
    ['\u0000\u0001', 0, 'text/html', 'attachment-1.html'],
    ['Eelanalüüsi päring.pdf', 0, 'application/pdf', 'Eelanalüüsi päring.pdf'],
  ])('%j', (raw, index, type, expected) => {
    expect(safeFilename(raw, index, type)).toBe(expected);
  });

  it('cuts long names to 200 characters and keeps the extension', () => {
    expect(safeFilename(`${'a'.repeat(300)}.pdf`, 0, 'application/pdf')).toBe(`${'a'.repeat(196)}.pdf`);
    expect(safeFilename('😀'.repeat(300), 0, 'image/png')).toBe('😀'.repeat(200));
    const noExtension = safeFilename(`${'b'.repeat(250)}.${'x'.repeat(40)}`, 0, 'text/plain');
    expect(Array.from(noExtension).length).toBe(200);
  });
});

describe('htmlToRoughText', () => {
  it.each([
    ['<p>Hello <b>there</b></p><p>Bye</p>', 'Hello there\nBye'],
    ['a<br>b<br/>c', 'a\nb\nc'],
    ['&lt;tag&gt; &amp; &quot;q&quot; &#39;s&#39;&nbsp;x', '<tag> & "q" \'s\' x'],
    ['<div>one</div>\n\n\n\n<div>two</div>', 'one\n\ntwo'],
    ['no markup', 'no markup'],
    ['', ''],
  ])('%j', (html, expected) => {
    expect(htmlToRoughText(html)).toBe(expected);
  });

  it('is fast on hostile markup', () => {
    const started = performance.now();
    htmlToRoughText(`${'<'.repeat(500_000)}${'<a '.repeat(200_000)}`);
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});
