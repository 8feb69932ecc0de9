import { type Static, Type } from 'typebox';
import {
  type EmailMessageRow,
  type MailboxStateRow,
  mailDirection,
  mailOutcome,
  type OutboxRow,
  outboxKind,
  outboxStatus,
} from '../../db/schema.js';
import { Id, Nullable, PageQuery, Timestamp } from '../../lib/schemas.js';

/** What operators see of the email channel: mailboxes, the mail log, the outbox. Enums from the database. */
export const Mailbox = Type.Object({
  mailbox: Type.String(),
  connected: Type.Boolean({
    description:
      'A watcher is connected to the mailbox now: it said so and its heartbeat (every 3 s) is less than 10 s old.',
  }),
  last_alive_at: Nullable(Timestamp, {
    description: "The watcher's last heartbeat: when some process was last seen watching this mailbox.",
  }),
  uid_validity: Nullable(Type.Integer()),
  last_uid: Type.Integer(),
  last_success_at: Nullable(Timestamp),
  last_error_at: Nullable(Timestamp),
  last_error: Nullable(Type.String()),
  consecutive_errors: Type.Integer(),
});

const MailOutcome = Type.Enum(mailOutcome.enumValues);
const OutboxStatus = Type.Enum(outboxStatus.enumValues);

export const MailLogEntry = Type.Object({
  id: Id,
  mailbox: Type.String(),
  direction: Type.Enum(mailDirection.enumValues),
  message_id: Type.String(),
  in_reply_to: Nullable(Type.String()),
  from: Nullable(Type.String()),
  to: Nullable(Type.String()),
  subject: Type.String(),
  outcome: MailOutcome,
  reason: Nullable(Type.String()),
  ticket_id: Nullable(Id),
  ticket_message_id: Nullable(Id),
  bounce_of_id: Nullable(Id),
  size_bytes: Nullable(Type.Integer()),
  created_at: Timestamp,
});

export const OutboxEntry = Type.Object({
  id: Id,
  kind: Type.Enum(outboxKind.enumValues),
  ticket_id: Nullable(Id, { description: 'null: mail about an account (address verification, password reset).' }),
  ticket_message_id: Nullable(Id),
  to: Type.String(),
  subject: Type.String(),
  message_id: Type.String(),
  status: OutboxStatus,
  attempts: Type.Integer(),
  next_attempt_at: Timestamp,
  last_error: Nullable(Type.String()),
  sent_at: Nullable(Timestamp),
  created_at: Timestamp,
});

export const MailLogQuery = Type.Object(
  { ticket_id: Type.Optional(Id), outcome: Type.Optional(MailOutcome), ...PageQuery },
  { additionalProperties: false },
);

export const OutboxQuery = Type.Object(
  { ticket_id: Type.Optional(Id), status: Type.Optional(OutboxStatus), ...PageQuery },
  { additionalProperties: false },
);

// How rows become what callers see.

export type MailboxView = Static<typeof Mailbox>;
export type MailLogEntryView = Static<typeof MailLogEntry>;
export type OutboxEntryView = Static<typeof OutboxEntry>;

const iso = (date: Date | null) => (date ? date.toISOString() : null);

export function toMailboxView(row: MailboxStateRow & { alive: boolean }): MailboxView {
  return {
    mailbox: row.mailbox,
    connected: row.connected && row.alive,
    last_alive_at: iso(row.lastAliveAt),
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
