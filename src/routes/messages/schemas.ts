import { Type } from 'typebox';
import { AttachmentSummary } from '../attachments/schemas.js';
import {
  Envelope,
  ErrorBody,
  errorResponses,
  Id,
  IdempotencyHeaders,
  idempotentResponses,
  ListEnvelope,
  PageQuery,
  Text,
  Timestamp,
  User,
} from '../shared-schemas.js';
import { TicketParams } from '../tickets/schemas.js';

export const Message = Type.Object({
  id: Id,
  ticket_id: Id,
  text: Type.String(),
  internal: Type.Boolean({ description: 'Internal notes are visible to operators only and never emailed.' }),
  channel: Type.Enum(['api', 'email']),
  created_at: Timestamp,
  author: User,
  attachments: Type.Array(AttachmentSummary, { description: 'Files that came with this message (by email).' }),
});

export const CreateMessageBody = Type.Object(
  {
    text: Text(1, 50_000),
    internal: Type.Boolean({ default: false, description: 'Operators and admins only.' }),
  },
  { additionalProperties: false, examples: [{ text: 'Проблема решается.' }] },
);

export const ListMessagesQuery = Type.Object({ ...PageQuery }, { additionalProperties: false });

const withErrors = errorResponses({ auth: true });

export const createMessageSchema = {
  summary: 'Add a message to a ticket (a customer reply reopens a closed ticket)',
  tags: ['messages'],
  params: TicketParams,
  body: CreateMessageBody,
  headers: IdempotencyHeaders,
  response: { ...idempotentResponses, 201: Envelope(Message), 400: ErrorBody, 403: ErrorBody, ...withErrors },
};

export const listMessagesSchema = {
  summary: "List a ticket's messages, oldest first",
  tags: ['messages'],
  params: TicketParams,
  querystring: ListMessagesQuery,
  response: { 200: ListEnvelope(Message), 404: ErrorBody, ...withErrors },
};
