import type { Static } from 'typebox';
import { toUserView } from '../users/user-view.js';
import type { TicketWithPeople } from './ticket-repository.js';
import type { Ticket } from './ticket-schemas.js';

export type TicketView = Static<typeof Ticket>;

/** A response with the ticket's version, sent as its ETag. */
export interface Versioned<T> {
  view: T;
  version: number;
}

export function toTicketView({ ticket, creator, operator }: TicketWithPeople): TicketView {
  return {
    id: ticket.id,
    subject: ticket.subject,
    description: ticket.description,
    status: ticket.status,
    created_at: ticket.createdAt.toISOString(),
    updated_at: ticket.updatedAt.toISOString(),
    creator: toUserView(creator),
    operator: operator ? toUserView(operator) : null,
  };
}
