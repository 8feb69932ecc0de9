import { Type } from 'typebox';
import { ListEventsQuery, TicketEvent } from '../../events/event-schemas.js';
import {
  BulkUpdateBody,
  BulkUpdateResult,
  CreateTicketBody,
  ListTicketsQuery,
  MergeTicketBody,
  Ticket,
  UpdateTicketBody,
} from '../../tickets/ticket-schemas.js';
import { Envelope, ErrorBody, ListEnvelope, TicketParams } from '../http-schemas.js';
import { operation } from '../operation.js';

const tags = ['tickets'];

export const createTicketSchema = operation({
  operationId: 'createTicket',
  summary: 'Create a ticket',
  tags,
  auth: 'bearer',
  idempotent: true,
  limited: true,
  body: CreateTicketBody,
  responses: { 201: Envelope(Ticket), 400: ErrorBody, 403: ErrorBody },
});

export const listTicketsSchema = operation({
  operationId: 'listTickets',
  summary: 'List tickets (customers see their own)',
  tags,
  auth: 'bearer',
  querystring: ListTicketsQuery,
  responses: { 200: ListEnvelope(Ticket), 403: ErrorBody },
});

export const getTicketSchema = operation({
  operationId: 'getTicket',
  summary: 'Get a ticket',
  tags,
  auth: 'bearer',
  params: TicketParams,
  responses: { 200: Envelope(Ticket), 404: ErrorBody },
});

export const updateTicketSchema = operation({
  operationId: 'updateTicket',
  summary:
    'Update status, operator, priority, tags or group (send If-Match with the ETag you read to refuse lost updates)',
  tags,
  auth: 'bearer',
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
  responses: { 200: Envelope(Ticket), 400: ErrorBody, 403: ErrorBody, 412: ErrorBody },
});

export const listTicketEventsSchema = operation({
  operationId: 'listTicketEvents',
  summary: "A ticket's history, oldest first (customers: not internal notes, nor group and tag changes)",
  tags,
  auth: 'bearer',
  params: TicketParams,
  querystring: ListEventsQuery,
  responses: { 200: ListEnvelope(TicketEvent), 404: ErrorBody },
});

export const mergeTicketSchema = operation({
  operationId: 'mergeTicket',
  summary: 'Merge a ticket into another (operators): its messages move there, it is closed and points there',
  tags,
  auth: 'bearer',
  idempotent: true,
  params: TicketParams,
  body: MergeTicketBody,
  responses: { 200: Envelope(Ticket), 403: ErrorBody, 404: ErrorBody },
});

export const bulkUpdateTicketsSchema = operation({
  operationId: 'bulkUpdateTickets',
  summary: 'Apply the same changes to up to 200 tickets (operators); each gets its own history event',
  tags,
  auth: 'bearer',
  body: BulkUpdateBody,
  responses: { 200: Envelope(BulkUpdateResult), 400: ErrorBody, 403: ErrorBody },
});
