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
  Text,
  TicketStatus,
  Timestamp,
  User,
} from '../shared-schemas.js';

export const Ticket = Type.Object({
  id: Id,
  subject: Type.String(),
  description: Type.String(),
  status: TicketStatus,
  created_at: Timestamp,
  updated_at: Timestamp,
  creator: User,
  operator: Type.Union([User, Type.Null()]),
});

export const TicketParams = Type.Object({ ticket_id: Id });

export const CreateTicketBody = Type.Object(
  {
    subject: Text(1, 255),
    description: Text(1, 50_000),
    creator_id: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 2_147_483_647, description: 'Operators and admins only.' }),
    ),
  },
  {
    additionalProperties: false,
    examples: [{ subject: 'Проблема с принтером', description: 'Принтер не печатает, пожалуйста помогите.' }],
  },
);

export const ListTicketsQuery = Type.Object(
  {
    status: Type.Optional(TicketStatus),
    sort_by: Type.Enum(['created_at_asc', 'created_at_desc'], { default: 'created_at_desc' }),
    ...PageQuery,
  },
  { additionalProperties: false },
);

export const UpdateTicketBody = Type.Object(
  {
    status: Type.Optional(TicketStatus),
    operator_id: Type.Optional(Type.Union([Id, Type.Null()], { description: 'null unassigns the ticket.' })),
  },
  { additionalProperties: false, minProperties: 1, examples: [{ status: 'in_progress', operator_id: 1 }] },
);

const withErrors = errorResponses({ auth: true });

export const createTicketSchema = {
  summary: 'Create a ticket',
  tags: ['tickets'],
  body: CreateTicketBody,
  headers: IdempotencyHeaders,
  response: { ...idempotentResponses, 201: Envelope(Ticket), 400: ErrorBody, 403: ErrorBody, ...withErrors },
};

export const listTicketsSchema = {
  summary: 'List tickets (customers see their own)',
  tags: ['tickets'],
  querystring: ListTicketsQuery,
  response: { 200: ListEnvelope(Ticket), ...withErrors },
};

export const getTicketSchema = {
  summary: 'Get a ticket',
  tags: ['tickets'],
  params: TicketParams,
  response: { 200: Envelope(Ticket), 404: ErrorBody, ...withErrors },
};

export const updateTicketSchema = {
  summary: 'Update status or operator (send If-Match with the ETag you read to refuse lost updates)',
  tags: ['tickets'],
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
