import type { InboundMail } from '../../../src/email/parsing/parse-mail.js';

/** An ordinary mail from a person, to override field by field. */
export function inboundMail(overrides: Partial<InboundMail> = {}): InboundMail {
  return {
    messageId: '<m1@customer.example>',
    inReplyTo: [],
    references: [],
    from: { address: 'ann@customer.example', name: 'Ann' },
    to: ['support@desk.example'],
    cc: [],
    returnPath: 'ann@customer.example',
    subject: 'Printer on fire',
    date: new Date('2024-01-02T03:04:05Z'),
    text: 'Help!',
    html: null,
    headers: {},
    authenticationResults: [],
    attachments: [],
    deliveryReport: { isReport: false, originalMessageId: null },
    sizeBytes: 100,
    tooLarge: false,
    ...overrides,
  };
}

/** A raw message: header lines joined with CRLF, an empty line, the body. */
export function rawMail(headers: string[], body = 'Hello\r\n'): Buffer {
  return Buffer.from(`${headers.join('\r\n')}\r\n\r\n${body}`, 'utf8');
}
