import { Type } from 'typebox';
import { CreateTicketBody, ListTicketsQuery, Ticket, UpdateTicketBody } from '../../tickets/ticket-schemas.js';
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

export const createTicketSchema = {
  operationId: 'createTicket',
  summary: 'Create a ticket',
  tags: ['tickets'],
  security: bearerSecurity,
  body: CreateTicketBody,
  headers: IdempotencyHeaders,
  response: { ...idempotentResponses, 201: Envelope(Ticket), 400: ErrorBody, 403: ErrorBody, ...withErrors },
};

export const listTicketsSchema = {
  operationId: 'listTickets',
  summary: 'List tickets (customers see their own)',
  tags: ['tickets'],
  security: bearerSecurity,
  querystring: ListTicketsQuery,
  response: { 200: ListEnvelope(Ticket), ...withErrors },
};

export const getTicketSchema = {
  operationId: 'getTicket',
  summary: 'Get a ticket',
  tags: ['tickets'],
  security: bearerSecurity,
  params: TicketParams,
  response: { 200: Envelope(Ticket), 404: ErrorBody, ...withErrors },
};

export const updateTicketSchema = {
  operationId: 'updateTicket',
  summary: 'Update status or operator (send If-Match with the ETag you read to refuse lost updates)',
  tags: ['tickets'],
  security: bearerSecurity,
  params: TicketParams,
  headers: Type.Object({
    'if-match': Type.Optional(
      Type.String({
        maxLength: 1000,
        description: 'The ETag from GET: the update is refused (412) if the ticket changed since.',
      }),
    ),
  }),
  body: UpdateTicketBody,
  response: { 200: Envelope(Ticket), 400: ErrorBody, 403: ErrorBody, 412: ErrorBody, ...withErrors },
};
