import { CreateMessageBody, ListMessagesQuery, Message } from '../../messages/message-schemas.js';
import { Envelope, ErrorBody, ListEnvelope, TicketParams } from '../http-schemas.js';
import { operation } from '../operation.js';

export const createMessageSchema = operation({
  operationId: 'createMessage',
  summary: 'Add a message to a ticket (a customer reply reopens a closed ticket)',
  tags: ['messages'],
  auth: 'bearer',
  idempotent: true,
  limited: true,
  params: TicketParams,
  body: CreateMessageBody,
  responses: { 201: Envelope(Message), 400: ErrorBody, 403: ErrorBody },
});

export const listMessagesSchema = operation({
  operationId: 'listMessages',
  summary: "List a ticket's messages, oldest first",
  tags: ['messages'],
  auth: 'bearer',
  params: TicketParams,
  querystring: ListMessagesQuery,
  responses: { 200: ListEnvelope(Message), 404: ErrorBody },
});
