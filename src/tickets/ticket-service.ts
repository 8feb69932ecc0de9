import type { Static } from 'typebox';
import { type Actor, isStaff } from '../auth/actor.js';
import { type Caller, type CheckedCaller, runAsCaller } from '../auth/caller.js';
import type { Db } from '../db/client.js';
import { isUniqueViolation } from '../db/errors.js';
import type { TicketRow, TicketStatus } from '../db/schema.js';
import { decodeCursor, paginate } from '../lib/cursor.js';
import { errors } from '../lib/errors.js';
import type { CreateTicketBody, ListTicketsQuery, UpdateTicketBody } from '../routes/tickets/schemas.js';
import { userRepository as users } from '../users/user-repository.js';
import {
  type NewOwnTicket,
  type TicketListFilter,
  type TicketWithPeople,
  ticketRepository as tickets,
} from './ticket-repository.js';
import { type TicketView, toTicketView } from './ticket-view.js';

/** A customer may close their ticket or reopen it; moving it into work is the operators' call. */
const CUSTOMER_STATUSES: ReadonlySet<TicketStatus> = new Set(['open', 'closed']);

/** A response with the ticket's version, sent as its ETag. */
export interface Versioned<T> {
  view: T;
  version: number;
}

export const etagOf = (version: number) => `"${version}"`;

/** RFC 9110 If-Match: `*`, or a list of entity tags one of which must be the current one. */
function matches(ifMatch: string, version: number): boolean {
  if (ifMatch.trim() === '*') return true;
  return ifMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etagOf(version));
}

export function canSeeTicket(actor: Actor, ticket: Pick<TicketRow, 'creatorId'>): boolean {
  return canRead({ id: actor.id, staff: isStaff(actor) }, ticket);
}

/** `canSeeTicket` for a caller checked by the statement that read the ticket. */
export function canRead(reader: Pick<CheckedCaller, 'id' | 'staff'>, ticket: Pick<TicketRow, 'creatorId'>): boolean {
  return reader.staff || ticket.creatorId === reader.id;
}

export class TicketService {
  private readonly findWithPeople: (id: number, reader: CheckedCaller) => Promise<TicketWithPeople | undefined>;
  private readonly listPage: (filter: TicketListFilter) => Promise<TicketWithPeople[]>;
  private readonly insertAs: (ticket: NewOwnTicket) => Promise<TicketWithPeople | undefined>;

  constructor(private readonly db: Db) {
    this.findWithPeople = tickets.prepareFindWithPeople(db);
    this.listPage = tickets.prepareList(db);
    this.insertAs = tickets.prepareInsertAs(db);
  }

  /**
   * With an idempotency key the ticket row carries it (unique), so a retried request finds the ticket its
   * first attempt created, even if that attempt's response was lost with the connection or the process.
   */
  async create(
    caller: Caller,
    input: Static<typeof CreateTicketBody>,
    idempotencyKey?: string,
  ): Promise<Versioned<TicketView>> {
    const rowKey = idempotencyKey ? `${caller.id}:${idempotencyKey}` : null;
    if (rowKey) {
      const existing = await tickets.findByIdempotencyKey(this.db, rowKey);
      if (existing) return this.versioned(existing.id);
    }
    try {
      if (input.creator_id === undefined || input.creator_id === caller.id) {
        // For oneself: one statement, which also checks the caller; nothing back is a caller who may not act.
        const values = { subject: input.subject, description: input.description, idempotencyKey: rowKey };
        const own = await this.insertAs({
          ...values,
          creator: { id: caller.id, tokenVersion: caller.tokenVersion, staff: false },
        });
        if (!own) throw errors.invalidToken();
        return { view: toTicketView(own), version: own.ticket.version };
      }
      const actor = await caller.actor();
      if (!isStaff(actor)) throw errors.forbidden('Only operators can open tickets for other users');
      const creator = await users.findById(this.db, input.creator_id);
      if (!creator) throw errors.creatorNotFound(input.creator_id);
      const ticket = await tickets.insert(this.db, {
        subject: input.subject,
        description: input.description,
        creatorId: creator.id,
        idempotencyKey: rowKey,
      });
      return { view: toTicketView({ ticket, creator, operator: null }), version: ticket.version };
    } catch (error) {
      if (rowKey && isUniqueViolation(error, 'tickets_idempotency_key_key')) {
        const existing = await tickets.findByIdempotencyKey(this.db, rowKey);
        if (existing) return this.versioned(existing.id);
      }
      throw error;
    }
  }

  private async versioned(id: number): Promise<Versioned<TicketView>> {
    const found = await tickets.findWithPeople(this.db, id);
    if (!found) throw errors.ticketNotFound();
    return { view: toTicketView(found), version: found.ticket.version };
  }

  /** Someone else's ticket is "not found" for a customer, never "forbidden": ids leak nothing. */
  async get(caller: Caller, id: number): Promise<Versioned<TicketView>> {
    const { result: found, reader } = await runAsCaller(
      caller,
      (reader) => this.findWithPeople(id, reader),
      (found) => found !== undefined,
    );
    if (!found || !canRead(reader, found.ticket)) throw errors.ticketNotFound();
    return { view: toTicketView(found), version: found.ticket.version };
  }

  async list(
    caller: Caller,
    query: Static<typeof ListTicketsQuery>,
  ): Promise<{ items: TicketView[]; nextCursor: string | null }> {
    const after = query.cursor ? decodeCursor(query.cursor) : undefined;
    const { result: rows } = await runAsCaller(
      caller,
      (reader) =>
        this.listPage({
          reader,
          status: query.status,
          order: query.sort_by === 'created_at_asc' ? 'asc' : 'desc',
          after,
          limit: query.limit + 1,
        }),
      (rows) => rows.length > 0,
    );
    const page = paginate(rows, query.limit, ({ ticket }) => ({ createdAt: ticket.createdAt, id: ticket.id }));
    return { items: page.items.map(toTicketView), nextCursor: page.nextCursor };
  }

  /** `ifMatch`: the ETag the client read; checked under the row lock, so two stale writers cannot both win. */
  async update(
    actor: Actor,
    id: number,
    input: Static<typeof UpdateTicketBody>,
    ifMatch?: string,
  ): Promise<Versioned<TicketView>> {
    return this.db.transaction(async (tx) => {
      const ticket = await tickets.findById(tx, id, { forUpdate: true });
      // The seed answers an unknown ticket on PATCH with 400 and its own text.
      if (!ticket || !canSeeTicket(actor, ticket)) throw errors.ticketToUpdateNotFound(id);
      if (ifMatch !== undefined && !matches(ifMatch, ticket.version)) throw errors.staleTicket();
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
      return { view: toTicketView(updated), version: updated.ticket.version };
    });
  }
}
