import { type Static, Type } from 'typebox';
import { ticketPriority, ticketStatus } from '../db/schema.js';
import { isoString } from '../lib/iso-date.js';
import { Id, Nullable, PageQuery, Text, Timestamp } from '../lib/schemas.js';
import { TicketSla, toTicketSlaView } from '../sla/sla-schemas.js';
import { toUserView, User, type Viewer } from '../users/user-schemas.js';
import { MAX_TAGS, Tag } from './tags.js';
import { TICKET_SORTS } from './ticket-cursor.js';
import { TicketListFilters } from './ticket-list-query.js';
import type { TicketWithPeople } from './ticket-repository.js';

/** The contract of tickets: what callers send and what they see. Statuses come from the database enum. */
export const TicketStatus = Type.Enum(ticketStatus.enumValues);
export const TicketPriority = Type.Enum(ticketPriority.enumValues);

export const GroupRef = Type.Object({ id: Id, name: Type.String() });

const staffOnly = 'Operators and admins only.';

/** How staff file a ticket: the fields a customer may not send (403). */
const TriageFields = {
  priority: Type.Optional(TicketPriority),
  tags: Type.Optional(Type.Array(Tag, { maxItems: MAX_TAGS, description: `Replaces the ticket's tags. ${staffOnly}` })),
  group_id: Type.Optional(
    Nullable(Id, { description: `null: no group; an id that is no group is a 422 (group_not_found). ${staffOnly}` }),
  ),
};

export const Ticket = Type.Object({
  id: Id,
  subject: Type.String(),
  description: Type.String(),
  status: TicketStatus,
  created_at: Timestamp,
  updated_at: Timestamp,
  creator: User,
  operator: Nullable(User),
  priority: TicketPriority,
  tags: Type.Array(Type.String(), {
    description: 'Normalised: trimmed, lower case, unique, sorted. Always empty for customers (staff only).',
  }),
  group: Nullable(GroupRef, { description: 'Always null for customers (staff only).' }),
  merged_into_id: Nullable(Id, { description: 'The ticket this one was merged into (it is closed).' }),
  sla: Nullable(TicketSla),
});

export const CreateTicketBody = Type.Object(
  {
    subject: Text(1, 255),
    description: Text(1, 50_000),
    creator_id: Type.Optional(Type.Integer({ minimum: 1, maximum: 2_147_483_647, description: staffOnly })),
    ...TriageFields,
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
    ...TriageFields,
    add_tags: Type.Optional(
      Type.Array(Tag, {
        maxItems: MAX_TAGS,
        description: `Tags to add, keeping the others; more than ${MAX_TAGS} in all is a 422 (too_many_tags). ${staffOnly}`,
      }),
    ),
    remove_tags: Type.Optional(
      Type.Array(Tag, { maxItems: MAX_TAGS, description: `Tags to remove, keeping the others. ${staffOnly}` }),
    ),
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

export function toTicketView({ ticket, creator, operator, group }: TicketWithPeople, viewer?: Viewer): TicketView {
  const customer = viewer?.standing === 'customer';
  return {
    id: ticket.id,
    subject: ticket.subject,
    description: ticket.description,
    status: ticket.status,
    created_at: isoString(ticket.createdAt),
    updated_at: isoString(ticket.updatedAt),
    creator: toUserView(creator, viewer),
    operator: operator ? toUserView(operator, viewer) : null,
    priority: ticket.priority,
    // How staff sort the work is theirs: a customer never sees tags ("angry-customer") or the queue.
    tags: customer ? [] : ticket.tags,
    group: customer ? null : group,
    merged_into_id: ticket.mergedIntoId,
    // Targets and breaches are how staff measure themselves: customers get null (and no sla.breached event).
    sla: viewer?.standing === 'staff' ? toTicketSlaView(ticket) : null,
  };
}

export const MergeTicketBody = Type.Object(
  {
    into_ticket_id: Id,
    force: Type.Boolean({
      default: false,
      description: 'Merge tickets of different creators (their customer sees the merged conversation).',
    }),
  },
  {
    additionalProperties: false,
    description:
      'A merge into the ticket itself, into a merged ticket, of a merged ticket, into one that does not exist, ' +
      'or of tickets of different creators without `force` is a 422 (merge_refused) saying which.',
    examples: [{ into_ticket_id: 42 }],
  },
);

/** What a bulk update may change: what PATCH on one ticket may, but the whole tag set. */
export const BulkTicketChanges = Type.Object(
  {
    status: Type.Optional(TicketStatus),
    operator_id: Type.Optional(Nullable(Id, { description: 'null unassigns.' })),
    priority: Type.Optional(TicketPriority),
    group_id: Type.Optional(Nullable(Id)),
    add_tags: Type.Optional(Type.Array(Tag, { maxItems: MAX_TAGS })),
    remove_tags: Type.Optional(Type.Array(Tag, { maxItems: MAX_TAGS })),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const BulkUpdateBody = Type.Object(
  {
    ids: Type.Array(Id, { minItems: 1, maxItems: 200, uniqueItems: true }),
    changes: BulkTicketChanges,
  },
  { additionalProperties: false, examples: [{ ids: [1, 2, 3], changes: { status: 'closed', add_tags: ['spam'] } }] },
);

export const BulkUpdateResult = Type.Object({
  updated: Type.Array(Id, { description: 'Tickets the changes apply to now (each change recorded in its history).' }),
  failed: Type.Array(Type.Object({ id: Id, detail: Type.String() })),
});
