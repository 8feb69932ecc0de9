import type { Static } from 'typebox';
import type { Ticket } from '../routes/tickets/schemas.js';
import { toUserView } from '../users/user-view.js';
import type { TicketWithPeople } from './ticket-repository.js';

export type TicketView = Static<typeof Ticket>;

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
