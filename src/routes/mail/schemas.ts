import { Type } from 'typebox';
import {
  Envelope,
  ErrorBody,
  errorResponses,
  Id,
  IdempotencyHeaders,
  idempotentResponses,
  ListEnvelope,
  PageQuery,
  Timestamp,
} from '../shared-schemas.js';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);

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

export const MailLogEntry = Type.Object({
  id: Id,
  mailbox: Type.String(),
  direction: Type.Enum(['inbound', 'outbound']),
  message_id: Type.String(),
  in_reply_to: Nullable(Type.String()),
  from: Nullable(Type.String()),
  to: Nullable(Type.String()),
  subject: Type.String(),
  outcome: Type.Enum(['ticket_created', 'reply_added', 'dropped', 'duplicate', 'sent']),
  reason: Nullable(Type.String()),
  ticket_id: Nullable(Id),
  ticket_message_id: Nullable(Id),
  bounce_of_id: Nullable(Id),
  size_bytes: Nullable(Type.Integer()),
  created_at: Timestamp,
});

export const OutboxEntry = Type.Object({
  id: Id,
  kind: Type.Enum(['reply', 'acknowledgement']),
  ticket_id: Id,
  ticket_message_id: Nullable(Id),
  to: Type.String(),
  subject: Type.String(),
  message_id: Type.String(),
  status: Type.Enum(['pending', 'sent', 'failed']),
  attempts: Type.Integer(),
  next_attempt_at: Timestamp,
  last_error: Nullable(Type.String()),
  sent_at: Nullable(Timestamp),
  created_at: Timestamp,
});

const IdCursorQuery = {
  limit: PageQuery.limit,
  cursor: Type.Optional(
    Type.String({ pattern: '^[0-9]{1,10}$', description: 'Opaque cursor from `meta.next_cursor`.' }),
  ),
};

export const MailLogQuery = Type.Object(
  {
    ticket_id: Type.Optional(Id),
    outcome: Type.Optional(Type.Enum(['ticket_created', 'reply_added', 'dropped', 'duplicate', 'sent'])),
    ...IdCursorQuery,
  },
  { additionalProperties: false },
);

export const OutboxQuery = Type.Object(
  { ticket_id: Type.Optional(Id), status: Type.Optional(Type.Enum(['pending', 'sent', 'failed'])), ...IdCursorQuery },
  { additionalProperties: false },
);

const withErrors = { ...errorResponses({ auth: true }), 403: ErrorBody };

export const mailboxesSchema = {
  summary: 'State of each watched mailbox (operators and admins)',
  tags: ['mail'],
  response: { 200: Envelope(Type.Array(Mailbox)), ...withErrors },
};
export const mailLogSchema = {
  summary: 'Every mail received or sent, newest first, with its outcome and reason',
  tags: ['mail'],
  querystring: MailLogQuery,
  response: { 200: ListEnvelope(MailLogEntry), ...withErrors },
};
export const outboxSchema = {
  summary: 'Outgoing mail: pending, sent, failed',
  tags: ['mail'],
  querystring: OutboxQuery,
  response: { 200: ListEnvelope(OutboxEntry), ...withErrors },
};
export const resendSchema = {
  summary: 'Send a failed or pending mail again now',
  tags: ['mail'],
  params: Type.Object({ outbox_id: Id }),
  headers: IdempotencyHeaders,
  response: { ...idempotentResponses, 200: Envelope(OutboxEntry), 400: ErrorBody, 404: ErrorBody, ...withErrors },
};
