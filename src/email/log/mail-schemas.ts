import { Type } from 'typebox';
import { mailDirection, mailOutcome, outboxKind, outboxStatus } from '../../db/schema.js';
import { Id, Nullable, PageQuery, Timestamp } from '../../lib/schemas.js';

/** What operators see of the email channel: mailboxes, the mail log, the outbox. Enums from the database. */
export const Mailbox = Type.Object({
  mailbox: Type.String(),
  connected: Type.Boolean(),
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
  ticket_id: Id,
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
