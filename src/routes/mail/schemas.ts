import { Type } from 'typebox';
import { Mailbox, MailLogEntry, MailLogQuery, OutboxEntry, OutboxQuery } from '../../email/log/mail-schemas.js';
import { Id } from '../../lib/schemas.js';
import { Envelope, ErrorBody, ListEnvelope } from '../http-schemas.js';
import { operation } from '../operation.js';

// Operators and admins only: a customer gets 403.
const tags = ['mail'];

export const mailboxesSchema = operation({
  operationId: 'listMailboxes',
  summary: 'State of each watched mailbox (operators and admins)',
  tags,
  auth: 'bearer',
  responses: { 200: Envelope(Type.Array(Mailbox)), 403: ErrorBody },
});
export const mailLogSchema = operation({
  operationId: 'listMailLog',
  summary: 'Every mail received or sent, newest first, with its outcome and reason',
  tags,
  auth: 'bearer',
  querystring: MailLogQuery,
  responses: { 200: ListEnvelope(MailLogEntry), 403: ErrorBody },
});
export const outboxSchema = operation({
  operationId: 'listOutbox',
  summary: 'Outgoing mail: pending, sent, failed',
  tags,
  auth: 'bearer',
  querystring: OutboxQuery,
  responses: { 200: ListEnvelope(OutboxEntry), 403: ErrorBody },
});
export const resendSchema = operation({
  operationId: 'resendMail',
  summary: 'Send a failed or pending mail again now',
  tags,
  auth: 'bearer',
  idempotent: true,
  params: Type.Object({ outbox_id: Id }),
  responses: { 200: Envelope(OutboxEntry), 400: ErrorBody, 403: ErrorBody, 404: ErrorBody },
});
