import { createHash } from 'node:crypto';
import { type ParsedMail, type SimpleParserOptions, simpleParser } from 'mailparser';
import { safeFilename } from './attachment-name.js';
import { type DeliveryReport, deliveryReport } from './delivery-report.js';
import { htmlToRoughText, structuredContentType } from './mail-body.js';
import {
  addressList,
  firstMailbox,
  headerDate,
  type KeptHeader,
  keptHeaders,
  rawHeader,
  rawHeaderValues,
  returnPath,
} from './mail-headers.js';
import { normaliseMessageId, parseMessageIdList } from './message-id.js';

/** mailparser refused the message; the caller records it as unparseable. */
export class MailParseError extends Error {
  override readonly name = 'MailParseError';
}

export interface InboundAttachment {
  filename: string;
  contentType: string;
  size: number;
  content: Buffer;
  inline: boolean;
  contentId: string | null;
}

/** One received mail, as the email channel uses it. Nothing here is trusted: it is what the mail says. */
export interface InboundMail {
  /** `<id>`; derived from a hash of the bytes when the mail has none, so a re-fetch finds the same one. */
  messageId: string;
  inReplyTo: string[];
  references: string[];
  from: { address: string; name: string } | null;
  to: string[];
  cc: string[];
  /** Envelope sender: `null` when the header is absent, `''` for the null sender `<>`. */
  returnPath: string | null;
  subject: string;
  date: Date | null;
  text: string;
  html: string | null;
  headers: Partial<Record<KeptHeader, string>>;
  /** Every `Authentication-Results` header (RFC 8601), topmost first: who may have judged the sender. */
  authenticationResults: string[];
  attachments: InboundAttachment[];
  deliveryReport: DeliveryReport;
  sizeBytes: number;
  /** Over `maxBytes`: only the header was read; text, html and attachments are empty. */
  tooLarge: boolean;
}

export interface ParseMailOptions {
  /** Larger mails are not parsed beyond their header. Default 25 MiB, as the configuration's default. */
  maxBytes?: number;
}

const DEFAULT_MAX_BYTES = 25 * 1024 * 1024;
/** Where to look for the end of the header block; mailparser's own limit for one is 1 MiB. */
const MAX_HEADER_BYTES = 512 * 1024;

const PARSER_OPTIONS: SimpleParserOptions = {
  // DSN parts (RFC 3464) and returned messages stay parts of their own, so we can read them.
  keepDeliveryStatus: true,
  ignoreEmbedded: true,
  // No data: URLs inlined into the HTML (they can multiply its size), no HTML made from plain text.
  keepCidLinks: true,
  skipTextToHtml: true,
  skipTextLinks: true,
  // html-to-text is slow on huge documents; bigger ones get the rough conversion below.
  maxHtmlLengthToParse: 2_000_000,
  checksumAlgo: false,
};

/** Where the top header block ends (RFC 5322 §2.1: at the first empty line), and the body starts. */
function headerEnd(raw: Buffer): { header: number; body: number } {
  const window = raw.subarray(0, MAX_HEADER_BYTES);
  const crlf = window.indexOf('\r\n\r\n');
  const lf = window.indexOf('\n\n');
  if (crlf >= 0 && (lf < 0 || crlf < lf)) return { header: crlf, body: crlf + 4 };
  if (lf >= 0) return { header: lf, body: lf + 2 };
  const last = Math.max(0, window.lastIndexOf('\n'));
  return { header: last, body: last };
}

/** The header block of `raw` alone, for a mail too large to parse whole. */
function headerBlock(raw: Buffer): Buffer {
  return Buffer.concat([raw.subarray(0, headerEnd(raw).header), Buffer.from('\r\n\r\n')]);
}

async function runParser(input: Buffer): Promise<ParsedMail> {
  try {
    return await simpleParser(input, PARSER_OPTIONS);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new MailParseError(`mail could not be parsed: ${reason}`, { cause: error });
  }
}

/** Only the header of a mail too large to parse; a header mailparser refuses leaves an empty one. */
async function parseHeaderOnly(raw: Buffer): Promise<ParsedMail> {
  try {
    return await runParser(headerBlock(raw));
  } catch (error) {
    if (!(error instanceof MailParseError)) throw error;
    return runParser(Buffer.from('\r\n'));
  }
}

/** Subject as one line: folding and stray CR/LF become spaces, other control characters go. */
function cleanSubject(subject: string | undefined): string {
  return (subject ?? '')
    .replace(/\s*[\r\n]+\s*/g, ' ')
    .replace(/\t/g, ' ')
    .replace(/\p{Cc}/gu, '')
    .trim();
}

/** The files of a mail, with safe names; inline parts (an embedded image) say so. */
function attachmentsOf(parsed: ParsedMail): InboundAttachment[] {
  return parsed.attachments.map((attachment, index) => {
    const contentType = (attachment.contentType || 'application/octet-stream').toLowerCase();
    return {
      filename: safeFilename(attachment.filename, index, contentType),
      contentType,
      size: attachment.content.length,
      content: attachment.content,
      inline: attachment.contentDisposition?.toLowerCase() === 'inline' || attachment.related === true,
      contentId: attachment.contentId ?? null,
    };
  });
}

/** The text of a mail: its plain part, or a rough text of its HTML when it has no plain part. */
function textOf(parsed: ParsedMail): { text: string; html: string | null } {
  const html = typeof parsed.html === 'string' ? parsed.html : null;
  const text = parsed.text ?? '';
  return { text: text.trim() === '' && html !== null ? htmlToRoughText(html) : text, html };
}

export async function parseMail(raw: Buffer, options: ParseMailOptions = {}): Promise<InboundMail> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const tooLarge = raw.length > maxBytes;
  const parsed = tooLarge ? await parseHeaderOnly(raw) : await runParser(raw);
  // Both are always set by mailparser today; a message without any header must not crash us tomorrow.
  const lines = parsed.headerLines ?? [];
  const parsedHeaders = parsed.headers ?? new Map();
  const headers = keptHeaders(lines);
  const messageId =
    normaliseMessageId(rawHeaderValues(lines, 'message-id')[0] ?? '') ??
    `<${createHash('sha256').update(raw).digest('hex')}@derived.invalid>`;
  const { text, html } = tooLarge ? { text: '', html: null } : textOf(parsed);
  const attachments = tooLarge ? [] : attachmentsOf(parsed);
  const from = firstMailbox(parsedHeaders.get('from'));
  const subject = cleanSubject(typeof parsed.subject === 'string' ? parsed.subject : undefined);
  const envelopeSender = returnPath(lines);
  return {
    messageId,
    inReplyTo: parseMessageIdList(rawHeader(lines, 'in-reply-to')),
    references: parseMessageIdList(rawHeader(lines, 'references')),
    from,
    to: addressList(parsedHeaders.get('to')),
    cc: addressList(parsedHeaders.get('cc')),
    returnPath: envelopeSender,
    subject,
    date: headerDate(lines),
    text,
    html,
    headers,
    authenticationResults: rawHeaderValues(lines, 'authentication-results'),
    attachments,
    deliveryReport: deliveryReport({
      contentType: structuredContentType(parsedHeaders.get('content-type')),
      parts: attachments,
      subject,
      text,
      fromAddress: from?.address ?? null,
      returnPath: envelopeSender,
      autoSubmitted: headers['auto-submitted'] ?? null,
      failedRecipients: headers['x-failed-recipients'] ?? null,
      rawBody: tooLarge ? Buffer.alloc(0) : raw.subarray(headerEnd(raw).body),
    }),
    sizeBytes: raw.length,
    tooLarge,
  };
}
