import { normaliseMessageId } from './message-id.js';

/**
 * Recognising bounces: a delivery status notification (RFC 3464, wrapped in multipart/report per
 * RFC 6522) or one of the older free-text formats (qmail, Exim, Lotus Notes, Exchange 2003…), and
 * finding which of our mails it returns.
 */

export interface DeliveryReport {
  isReport: boolean;
  /** The Message-ID of the returned original, so the bounce can be linked to the mail it returns. */
  originalMessageId: string | null;
}

export interface ReportInput {
  /** Root Content-Type, lower-cased value and parameters. */
  contentType: { value: string; params: Record<string, string> } | null;
  parts: { contentType: string; content: Buffer }[];
  subject: string;
  text: string;
  fromAddress: string | null;
  returnPath: string | null;
  autoSubmitted: string | null;
  failedRecipients: string | null;
  /** The raw body (after the top header), for reports whose MIME structure is broken. */
  rawBody: Buffer;
}

const DSN_PARTS = new Set(['message/delivery-status', 'message/global-delivery-status']);
/** Parts that carry the returned message, or its header (RFC 3462 text/rfc822-headers, RFC 6533). */
const ORIGINAL_PARTS = new Set(['message/rfc822', 'message/global', 'text/rfc822-headers', 'message/global-headers']);
const DAEMON_LOCAL_PARTS = new Set(['mailer-daemon', 'mailerdaemon', 'postmaster', 'mail-daemon']);

/** Subjects the common mail servers give their non-delivery reports. */
const BOUNCE_SUBJECT =
  /undeliver(?:ed|able)|delivery (?:status notification|failure|notification|has failed)|returned mail|mail delivery (?:failed|failure)|failure notice|non-?delivery|message not delivered|could not send message|bounce notification|email delivery failure|unzustellbar|non remis|не доставлено|недоставленное|配信できません|配送エラー/i;

/** Opening sentences of free-text bounces, as the major servers word them. */
const BOUNCE_BODY =
  /created automatically by mail delivery software|this is the mail system at host|wasn't able to deliver your message|could not be delivered to one or more|delivery to the following recipients? failed|did not reach the following recipient|was not delivered to|unable to deliver your message|this is the mailer-daemon|following addresses had (?:permanent fatal errors|delivery problems)|your message could not be delivered|message you sent could not be delivered|an email you sent was rejected|could not be delivered to the following/i;

/** Where the returned original starts inside a free-text bounce. */
const ORIGINAL_MARKER =
  /copy of the (?:original )?message|original message (?:follows|is following)|header of the original message|----- original message -----|returned message|undelivered message|message headers follow|bounced e-mail/i;

/** The local part of an address is one of the mail system's own (RFC 5321 §4.5.1 postmaster, mailer-daemon). */
export function isDaemonAddress(address: string | null | undefined): boolean {
  if (!address) return false;
  const local = address.split('@')[0]?.toLowerCase() ?? '';
  return DAEMON_LOCAL_PARTS.has(local);
}

/** The value of the first `Message-ID:` header line in `text`, folded values included. */
function messageIdIn(text: string): string | null {
  const pattern = /^[ \t>]*message-id[ \t]*:[ \t]*(.*)(?:\r?\n([ \t]+\S.*))?/gim;
  for (const match of text.matchAll(pattern)) {
    const id = normaliseMessageId(`${match[1] ?? ''} ${match[2] ?? ''}`);
    if (id) return id;
  }
  return null;
}

/** The Message-ID from the header block of an embedded message (everything before the first empty line). */
function messageIdOfEmbedded(content: Buffer): string | null {
  const text = content.subarray(0, 256 * 1024).toString('utf8');
  const end = text.search(/\r?\n\r?\n/);
  return messageIdIn(end < 0 ? text : text.slice(0, end));
}

/** Free text after the "copy of the message follows" line; the whole text when there is no such line. */
function messageIdInBounceText(text: string): string | null {
  const marker = ORIGINAL_MARKER.exec(text);
  return messageIdIn(marker ? text.slice(marker.index) : text);
}

export function deliveryReport(input: ReportInput): DeliveryReport {
  const reportType = input.contentType?.params['report-type']?.toLowerCase() ?? '';
  const isMultipartReport = input.contentType?.value === 'multipart/report';
  const isDsnContainer = isMultipartReport && /^(?:global-)?delivery-status$/.test(reportType);
  // Read receipts (RFC 8098) and abuse reports (RFC 5965) are reports too, and carry the original's
  // header, but nothing bounced.
  const isOtherReport = isMultipartReport && !isDsnContainer && reportType !== '';
  const hasDsnPart = input.parts.some((part) => DSN_PARTS.has(part.contentType));
  const originals = input.parts.filter((part) => ORIGINAL_PARTS.has(part.contentType));

  // Free-text bounces need two signals: bounce wording, and a sender that is the mail system (a null
  // envelope sender per RFC 5321 §4.5.5, a daemon address, Exim's X-Failed-Recipients or
  // Auto-Submitted). A customer forwarding a bounce to ask for help has the wording but not the sender.
  const head = input.text.slice(0, 8192);
  const wording = BOUNCE_SUBJECT.test(input.subject) || BOUNCE_BODY.test(head);
  const automatedSender =
    input.returnPath === '' ||
    isDaemonAddress(input.fromAddress) ||
    isDaemonAddress(input.returnPath) ||
    input.failedRecipients !== null ||
    (input.autoSubmitted !== null && !/^\s*no\b/i.test(input.autoSubmitted));
  // A daemon that returns a message (InterScan's multipart/mixed bounces) says so in its own language.
  const returnsMessage = originals.length > 0 && (isDaemonAddress(input.fromAddress) || input.returnPath === '');
  const isReport = isDsnContainer || hasDsnPart || (!isOtherReport && ((wording && automatedSender) || returnsMessage));
  if (!isReport) return { isReport: false, originalMessageId: null };

  let originalMessageId: string | null = null;
  for (const part of originals) {
    originalMessageId = messageIdOfEmbedded(part.content);
    if (originalMessageId) break;
  }
  originalMessageId ??= messageIdInBounceText(input.text);
  // Last resorts: other text parts (some servers return the original as text/plain), the DSN part
  // itself (a broken boundary can merge the returned headers into it), then the raw body.
  for (const part of input.parts) {
    if (originalMessageId) break;
    if (!part.contentType.startsWith('text/') && !DSN_PARTS.has(part.contentType)) continue;
    originalMessageId = messageIdInBounceText(part.content.subarray(0, 256 * 1024).toString('utf8'));
  }
  originalMessageId ??= messageIdInBounceText(input.rawBody.subarray(0, 512 * 1024).toString('utf8'));
  return { isReport: true, originalMessageId };
}
