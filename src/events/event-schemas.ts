import { type Static, Type } from 'typebox';
import { ticketEventType } from '../db/schema.js';
import { isoString } from '../lib/iso-date.js';
import { Id, Nullable, PageQuery, Timestamp } from '../lib/schemas.js';
import { toUserView, User, type Viewer } from '../users/user-schemas.js';
import type { EventWithActor } from './event-repository.js';

/** The contract of a ticket's history. Types come from the database enum. */
export const TicketEventType = Type.Enum(ticketEventType.enumValues);

/** A field's value before or after: a status or priority, an id (operator, group, ticket), the tag list, or none. */
const FieldValue = Type.Union([Type.String(), Type.Integer(), Type.Array(Type.String()), Type.Null()]);

export const FieldChange = Type.Object({ from: FieldValue, to: FieldValue });

export const TicketEvent = Type.Object({
  id: Type.Integer({ minimum: 1, description: 'Global and increasing: resume from the last one you saw.' }),
  type: TicketEventType,
  actor: Nullable(User, { description: 'Who did it; null for the system.' }),
  created_at: Timestamp,
  changes: Type.Record(Type.String(), FieldChange, {
    description:
      '`ticket.updated`: each changed field (status, operator_id, priority, tags, group_id) with its values; ' +
      '`ticket.merged`: merged_into_id (on the merged ticket) or merged_ticket_id (on the ticket it joined); ' +
      '`sla.breached` (staff only, actor null): breached, the targets missed before and after ' +
      '(`first_response`, `resolution`).',
    examples: [{ status: { from: 'open', to: 'in_progress' } }],
  }),
  message_id: Nullable(Id),
});

export const ListEventsQuery = Type.Object({ ...PageQuery }, { additionalProperties: false });

export type TicketEventView = Static<typeof TicketEvent>;

export function toEventView({ event, actor }: EventWithActor, viewer: Viewer): TicketEventView {
  return {
    id: event.id,
    type: event.type,
    actor: actor ? toUserView(actor, viewer) : null,
    created_at: isoString(event.createdAt),
    changes: event.changes,
    message_id: event.messageId,
  };
}
