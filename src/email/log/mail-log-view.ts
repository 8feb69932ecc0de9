import type { Static } from 'typebox';
import type { EmailMessageRow, MailboxStateRow, OutboxRow } from '../../db/schema.js';
import type { Mailbox, MailLogEntry, OutboxEntry } from './mail-schemas.js';

export type MailboxView = Static<typeof Mailbox>;
export type MailLogEntryView = Static<typeof MailLogEntry>;
export type OutboxEntryView = Static<typeof OutboxEntry>;

const iso = (date: Date | null) => (date ? date.toISOString() : null);

export function toMailboxView(row: MailboxStateRow): MailboxView {
  return {
    mailbox: row.mailbox,
    connected: row.connected,
    uid_validity: row.uidValidity,
    last_uid: row.lastUid,
    last_success_at: iso(row.lastSuccessAt),
    last_error_at: iso(row.lastErrorAt),
    last_error: row.lastError,
    consecutive_errors: row.consecutiveErrors,
  };
}

export function toMailLogEntryView(row: EmailMessageRow): MailLogEntryView {
  return {
    id: row.id,
    mailbox: row.mailbox,
    direction: row.direction,
    message_id: row.headerMessageId,
    in_reply_to: row.inReplyTo,
    from: row.fromAddress,
    to: row.toAddresses,
    subject: row.subject,
    outcome: row.outcome,
    reason: row.reason,
    ticket_id: row.ticketId,
    ticket_message_id: row.ticketMessageId,
    bounce_of_id: row.bounceOfId,
    size_bytes: row.sizeBytes,
    created_at: row.createdAt.toISOString(),
  };
}

export function toOutboxEntryView(row: OutboxRow): OutboxEntryView {
  return {
    id: row.id,
    kind: row.kind,
    ticket_id: row.ticketId,
    ticket_message_id: row.messageId,
    to: row.toAddress,
    subject: row.subject,
    message_id: row.headerMessageId,
    status: row.status,
    attempts: row.attempts,
    next_attempt_at: row.nextAttemptAt.toISOString(),
    last_error: row.lastError,
    sent_at: iso(row.sentAt),
    created_at: row.createdAt.toISOString(),
  };
}
