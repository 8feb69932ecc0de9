import { CreateMessageBody, ListMessagesQuery, Message } from '../../messages/message-schemas.js';
import {
  bearerSecurity,
  Envelope,
  ErrorBody,
  errorResponses,
  IdempotencyHeaders,
  idempotentResponses,
  ListEnvelope,
  TicketParams,
} from '../http-schemas.js';

const withErrors = errorResponses({ auth: true });

export const createMessageSchema = {
  operationId: 'createMessage',
  summary: 'Add a message to a ticket (a customer reply reopens a closed ticket)',
  tags: ['messages'],
  security: bearerSecurity,
  params: TicketParams,
  body: CreateMessageBody,
  headers: IdempotencyHeaders,
  response: { ...idempotentResponses, 201: Envelope(Message), 400: ErrorBody, 403: ErrorBody, ...withErrors },
};

export const listMessagesSchema = {
  operationId: 'listMessages',
  summary: "List a ticket's messages, oldest first",
  tags: ['messages'],
  security: bearerSecurity,
  params: TicketParams,
  querystring: ListMessagesQuery,
  response: { 200: ListEnvelope(Message), 404: ErrorBody, ...withErrors },
};
