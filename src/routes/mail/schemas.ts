import { Type } from 'typebox';
import { Mailbox, MailLogEntry, MailLogQuery, OutboxEntry, OutboxQuery } from '../../email/log/mail-schemas.js';
import { Id } from '../../lib/schemas.js';
import {
  bearerSecurity,
  Envelope,
  ErrorBody,
  errorResponses,
  IdempotencyHeaders,
  idempotentResponses,
  ListEnvelope,
} from '../http-schemas.js';

const withErrors = { ...errorResponses({ auth: true }), 403: ErrorBody };

export const mailboxesSchema = {
  operationId: 'listMailboxes',
  summary: 'State of each watched mailbox (operators and admins)',
  tags: ['mail'],
  security: bearerSecurity,
  response: { 200: Envelope(Type.Array(Mailbox)), ...withErrors },
};
export const mailLogSchema = {
  operationId: 'listMailLog',
  summary: 'Every mail received or sent, newest first, with its outcome and reason',
  tags: ['mail'],
  security: bearerSecurity,
  querystring: MailLogQuery,
  response: { 200: ListEnvelope(MailLogEntry), ...withErrors },
};
export const outboxSchema = {
  operationId: 'listOutbox',
  summary: 'Outgoing mail: pending, sent, failed',
  tags: ['mail'],
  security: bearerSecurity,
  querystring: OutboxQuery,
  response: { 200: ListEnvelope(OutboxEntry), ...withErrors },
};
export const resendSchema = {
  operationId: 'resendMail',
  summary: 'Send a failed or pending mail again now',
  tags: ['mail'],
  security: bearerSecurity,
  params: Type.Object({ outbox_id: Id }),
  headers: IdempotencyHeaders,
  response: { ...idempotentResponses, 200: Envelope(OutboxEntry), 400: ErrorBody, 404: ErrorBody, ...withErrors },
};
