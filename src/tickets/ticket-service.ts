import type { Static } from 'typebox';
import { type Actor, isStaff } from '../auth/actor.js';
import type { Db } from '../db/client.js';
import type { TicketRow, TicketStatus } from '../db/schema.js';
import { decodeCursor, paginate } from '../lib/cursor.js';
import { errors } from '../lib/errors.js';
import type { CreateTicketBody, ListTicketsQuery, UpdateTicketBody } from '../routes/tickets/schemas.js';
import { userRepository as users } from '../users/user-repository.js';
import { ticketRepository as tickets } from './ticket-repository.js';
import { type TicketView, toTicketView } from './ticket-view.js';

/** A customer may close their ticket or reopen it; moving it into work is the operators' call. */
const CUSTOMER_STATUSES: ReadonlySet<TicketStatus> = new Set(['open', 'closed']);

export function canSeeTicket(actor: Actor, ticket: Pick<TicketRow, 'creatorId'>): boolean {
  return isStaff(actor) || ticket.creatorId === actor.id;
}

export class TicketService {
  constructor(private readonly db: Db) {}

  async create(actor: Actor, input: Static<typeof CreateTicketBody>): Promise<TicketView> {
    let creator = actor;
    if (input.creator_id !== undefined && input.creator_id !== actor.id) {
      if (!isStaff(actor)) throw errors.forbidden('Only operators can open tickets for other users');
      const found = await users.findById(this.db, input.creator_id);
      if (!found) throw errors.creatorNotFound(input.creator_id);
      creator = found;
    }
    const ticket = await tickets.insert(this.db, {
      subject: input.subject,
      description: input.description,
      creatorId: creator.id,
    });
    return toTicketView({ ticket, creator, operator: null });
  }

  /** Someone else's ticket is "not found" for a customer, never "forbidden": ids leak nothing. */
  async get(actor: Actor, id: number): Promise<TicketView> {
    const found = await tickets.findWithPeople(this.db, id);
    if (!found || !canSeeTicket(actor, found.ticket)) throw errors.ticketNotFound();
    return toTicketView(found);
  }

  async list(
    actor: Actor,
    query: Static<typeof ListTicketsQuery>,
  ): Promise<{ items: TicketView[]; nextCursor: string | null }> {
    const after = query.cursor ? decodeCursor(query.cursor) : undefined;
    const rows = await tickets.list(this.db, {
      status: query.status,
      creatorId: isStaff(actor) ? undefined : actor.id,
      order: query.sort_by === 'created_at_asc' ? 'asc' : 'desc',
      after,
      limit: query.limit + 1,
    });
    const page = paginate(rows, query.limit, ({ ticket }) => ({ createdAt: ticket.createdAt, id: ticket.id }));
    return { items: page.items.map(toTicketView), nextCursor: page.nextCursor };
  }

  async update(actor: Actor, id: number, input: Static<typeof UpdateTicketBody>): Promise<TicketView> {
    return this.db.transaction(async (tx) => {
      const ticket = await tickets.findById(tx, id, { forUpdate: true });
      // The seed answers an unknown ticket on PATCH with 400 and its own text.
      if (!ticket || !canSeeTicket(actor, ticket)) throw errors.ticketToUpdateNotFound(id);
      if (!isStaff(actor)) {
        if (input.operator_id !== undefined) throw errors.forbidden('Only operators can assign tickets');
        if (input.status !== undefined && !CUSTOMER_STATUSES.has(input.status)) {
          throw errors.forbidden('Customers can only close or reopen their tickets');
        }
      }
      if (input.operator_id !== undefined && input.operator_id !== null) {
        const operator = await users.findById(tx, input.operator_id);
        if (!operator?.isActive || operator.role === 'customer') {
          throw errors.operatorNotFound(input.operator_id);
        }
      }
      await tickets.update(tx, id, { status: input.status, operatorId: input.operator_id });
      const updated = await tickets.findWithPeople(tx, id);
      if (!updated) throw errors.ticketToUpdateNotFound(id);
      return toTicketView(updated);
    });
  }
}
