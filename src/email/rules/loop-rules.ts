import { isDaemonAddress } from '../parsing/delivery-report.js';
import type { InboundMail } from '../parsing/parse-mail.js';

/**
 * Mail written by machines never opens a ticket nor gets an automatic answer (DESIGN.md §6): two
 * auto-responders answering each other is the classic mail loop RFC 3834 warns about. A bounce is told apart
 * because it is linked to the mail it returns.
 */
export type AutomatedKind = 'bounce' | 'auto_reply' | 'list' | 'loop';

export interface AutomatedVerdict {
  kind: AutomatedKind;
  /** A short sentence naming the rule, for the log and the operator. */
  reason: string;
}

type Rule = (mail: InboundMail, own: Set<string>) => string | null;

/** Outlook's own auto-reply subjects and their common translations (the only sign Apple's vacation replies give). */
const AUTO_REPLY_SUBJECT =
  /^\s*(?:automatic reply|auto[- ]?reply|auto[- ]?response|autorespons|out of (?:the )?office(?: auto-?reply| reply)?|abwesenheitsnotiz|automatische antwort|réponse automatique|respuesta automática|risposta automatica|автоматический ответ)\s*:/i;

const quote = (value: string) => (value.length > 80 ? `${value.slice(0, 77)}…` : value);

/** Evidence of a delivery failure: a report, Exim's failed-recipient list, or the mail system writing. */
const bounceRules: Rule[] = [
  (m) => {
    if (!m.deliveryReport.isReport) return null;
    const structured =
      /^\s*multipart\/report\b/i.test(m.headers['content-type'] ?? '') ||
      m.attachments.some((part) => /^message\/(?:global-)?delivery-status$/.test(part.contentType));
    return structured ? 'delivery status notification (RFC 3464)' : 'non-delivery notice from the mail system (bounce)';
  },
  (m) => (m.headers['x-failed-recipients'] ? 'X-Failed-Recipients header (bounce)' : null),
  (m) => (isDaemonAddress(m.from?.address) ? `sender is the mail system (${m.from?.address})` : null),
  (m) => (isDaemonAddress(m.returnPath) ? `Return-Path is the mail system (${m.returnPath})` : null),
];

/** Our own mail coming back: From one of our addresses, or an X-Loop mark (a de-facto header) naming one. */
const loopRules: Rule[] = [
  (m, own) => (m.from && own.has(m.from.address) ? `sender is our own address (${m.from.address})` : null),
  (m, own) => {
    const header = m.headers['x-loop']?.toLowerCase();
    if (!header) return null;
    // Compared token by token: "support@desk.example.org" does not name "support@desk.example".
    const tokens = new Set(header.split(/[\s,;<>()"']+/));
    const named = [...own].find((address) => tokens.has(address));
    return named ? `X-Loop names our address (${named})` : null;
  },
];

const autoReplyRules: Rule[] = [
  // RFC 3834 §5: anything but "no" is automatic ("auto-replied", "auto-generated", "auto-notified").
  (m) => {
    const value = m.headers['auto-submitted']?.trim();
    return value && !/^no\b/i.test(value) ? `Auto-Submitted: ${quote(value)}` : null;
  },
  (m) => (/^\s*auto[_-]reply\b/i.test(m.headers.precedence ?? '') ? `Precedence: ${m.headers.precedence}` : null),
  (m) => (m.headers['x-autoreply'] !== undefined ? 'X-Autoreply header' : null),
  (m) => (m.headers['x-autorespond'] !== undefined ? 'X-Autorespond header' : null),
  // Exchange's X-Auto-Response-Suppress (MS-OXCMAIL §2.2.3.2.20) on an automatic message; the DR, NDR,
  // RN and NRN values alone only turn off receipts, which a person may ask for.
  (m) => {
    const value = m.headers['x-auto-response-suppress'];
    return value && /\b(?:all|oof|autoreply)\b/i.test(value) ? `X-Auto-Response-Suppress: ${quote(value)}` : null;
  },
  // Other multipart/report kinds (RFC 6522): read receipts (RFC 8098), abuse reports (ARF, RFC 5965).
  (m) => {
    const type = m.headers['content-type'];
    if (!type || !/^\s*multipart\/report\b/i.test(type)) return null;
    const report = /report-type\s*=\s*"?([\w.-]+)/i.exec(type)?.[1] ?? 'unknown';
    return `multipart/report (${report.toLowerCase()}): an automatic report`;
  },
  (m) => (AUTO_REPLY_SUBJECT.test(m.subject) ? `subject of an automatic reply ("${quote(m.subject)}")` : null),
  // RFC 5321 §4.5.5: the null reverse-path is for notifications; RFC 3834 asks auto-responders to use it too.
  (m) => (m.returnPath === '' ? 'empty Return-Path (<>): sent by a machine' : null),
];

/** Mailing lists and bulk mail (RFC 2369 List-* headers, RFC 2919 List-Id, the de-facto Precedence). */
const listRules: Rule[] = [
  (m) => (/^\s*(?:bulk|junk|list)\b/i.test(m.headers.precedence ?? '') ? `Precedence: ${m.headers.precedence}` : null),
  (m) => (m.headers['list-id'] ? `List-Id: ${quote(m.headers['list-id'])}` : null),
  (m) => (m.headers['list-unsubscribe'] ? 'List-Unsubscribe header (mailing list)' : null),
];

/** The order is the precedence: a bounce is linked to its original, so it wins over everything. */
const RULES: [AutomatedKind, Rule[]][] = [
  ['bounce', bounceRules],
  ['loop', loopRules],
  ['auto_reply', autoReplyRules],
  ['list', listRules],
];

/** Why `mail` was written by a machine, or null for mail from a person. */
export function classifyAutomated(mail: InboundMail, ownAddresses: string[]): AutomatedVerdict | null {
  const own = new Set(ownAddresses.map((address) => address.trim().toLowerCase()).filter(Boolean));
  for (const [kind, rules] of RULES) {
    for (const rule of rules) {
      const reason = rule(mail, own);
      if (reason) return { kind, reason };
    }
  }
  return null;
}
