import { type Static, Type } from 'typebox';
import { ticketStatus } from '../db/schema.js';
import { Id, Nullable, PageQuery, Text, Timestamp } from '../lib/schemas.js';
import { toUserView, User, type Viewer } from '../users/user-schemas.js';
import { TICKET_SORTS } from './ticket-cursor.js';
import { TicketListFilters } from './ticket-list-query.js';
import type { TicketWithPeople } from './ticket-repository.js';

/** The contract of tickets: what callers send and what they see. Statuses come from the database enum. */
export const TicketStatus = Type.Enum(ticketStatus.enumValues);

export const Ticket = Type.Object({
  id: Id,
  subject: Type.String(),
  description: Type.String(),
  status: TicketStatus,
  created_at: Timestamp,
  updated_at: Timestamp,
  creator: User,
  operator: Nullable(User),
});

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
    ...TicketListFilters,
    sort_by: Type.Enum(TICKET_SORTS, {
      default: 'created_at_desc',
      description:
        '`priority_desc`: urgent first, then newest. `relevance`: best search matches first (needs `q`). ' +
        '`updated_at_*` pages: a ticket updated while you page moves (see the README).',
    }),
    ...PageQuery,
  },
  { additionalProperties: false },
);

export const UpdateTicketBody = Type.Object(
  {
    status: Type.Optional(TicketStatus),
    operator_id: Type.Optional(Nullable(Id, { description: 'null unassigns the ticket.' })),
  },
  { additionalProperties: false, minProperties: 1, examples: [{ status: 'in_progress', operator_id: 1 }] },
);

// How rows become what callers see.

export type TicketView = Static<typeof Ticket>;

/** A response with the ticket's version, sent as its ETag. */
export interface Versioned<T> {
  view: T;
  version: number;
}

export function toTicketView({ ticket, creator, operator }: TicketWithPeople, viewer?: Viewer): TicketView {
  return {
    id: ticket.id,
    subject: ticket.subject,
    description: ticket.description,
    status: ticket.status,
    created_at: ticket.createdAt.toISOString(),
    updated_at: ticket.updatedAt.toISOString(),
    creator: toUserView(creator, viewer),
    operator: operator ? toUserView(operator, viewer) : null,
  };
}
