import type { InboundMail } from '../parsing/parse-mail.js';
import { headerText } from './safe-header.js';

export { normaliseMessageId } from '../parsing/message-id.js';

/**
 * Threading by subject (DESIGN.md §6): our outgoing subjects carry `[#<ticket id>]`, and a reply keeps
 * it. Only this exact form counts; "#12", "[# 12]" or "[Ticket 12]" are a customer's words, not ours.
 */

const MAX_TICKET_ID = 2_147_483_647; // PostgreSQL integer
const TOKEN = /\[#([1-9]\d{0,9})\]/g;
/** Longest subject we produce; RFC 5322 §2.1.1 asks for lines of at most 998 characters. */
const MAX_SUBJECT = 900;

/** Reply and forward prefixes of common mail clients: English, German (AW, WG, Antw), Nordic (SV), French (TR), Italian (RIF), Russian. */
const PREFIXES = /^\s*(?:(?:re|fwd?|aw|wg|sv|antw|tr|rif|ответ|отв|пересл)(?:\s*\[\d+\]|\s*\(\d+\))?\s*[:：]\s*)+/iu;

function validId(digits: string): number | null {
  const id = Number(digits);
  return Number.isSafeInteger(id) && id >= 1 && id <= MAX_TICKET_ID ? id : null;
}

/** The ticket id of the first valid `[#id]` token in `subject`, or null. */
export function extractTicketToken(subject: string): number | null {
  for (const match of subject.matchAll(TOKEN)) {
    const id = validId(match[1] ?? '');
    if (id !== null) return id;
  }
  return null;
}

function tokenOf(ticketId: number): string {
  if (!Number.isSafeInteger(ticketId) || ticketId < 1 || ticketId > MAX_TICKET_ID) {
    throw new RangeError(`not a ticket id: ${ticketId}`);
  }
  return `[#${ticketId}]`;
}

/** `subject` without any ticket token, on one line. */
function withoutTokens(subject: string): string {
  return headerText(subject.replace(TOKEN, ' '), MAX_SUBJECT);
}

/**
 * `subject` carrying this ticket's token exactly once, at the end. Idempotent; a token of another ticket
 * is removed (it would otherwise win in `extractTicketToken`); a "Re:" stays where it is.
 */
export function withTicketToken(subject: string, ticketId: number): string {
  const token = tokenOf(ticketId);
  const base = headerText(withoutTokens(subject), MAX_SUBJECT - token.length - 1);
  return base ? `${base} ${token}` : token;
}

/** The subject of our answer: `Re: <subject without reply/forward prefixes> [#id]`. */
export function replySubject(subject: string, ticketId: number): string {
  const token = tokenOf(ticketId);
  const bare = withoutTokens(subject).replace(PREFIXES, '').trim();
  const base = headerText(bare, MAX_SUBJECT - token.length - 5);
  return base ? `Re: ${base} ${token}` : `Re: ${token}`;
}

/**
 * The Message-IDs a reply points at, most specific first: In-Reply-To (RFC 5322 §3.6.4, the parent),
 * then References from the newest (the end of the list) to the thread root.
 */
export function candidateMessageIds(mail: Pick<InboundMail, 'inReplyTo' | 'references'>): string[] {
  return [...new Set([...mail.inReplyTo, ...[...mail.references].reverse()])];
}
