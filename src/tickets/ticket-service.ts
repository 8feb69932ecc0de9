import type { Static } from 'typebox';
import { type Caller, isStaff, type Standing } from '../access/caller.js';
import { asCaller, readInput, ticketIsOpenTo } from '../access/ticket-access.js';
import type { Config } from '../config.js';
import type { Db } from '../db/client.js';
import { isUniqueViolation } from '../db/errors.js';
import type { TicketStatus } from '../db/schema.js';
import { errors } from '../lib/errors.js';
import { checkHourlyLimit, HOUR_MS } from '../lib/hourly-limit.js';
import type { Page } from '../lib/schemas.js';
import { userRepository as users } from '../users/user-repository.js';
import type { Viewer } from '../users/user-schemas.js';
import { normalizeTag } from './tags.js';
import { decodeTicketCursor, encodeTicketCursor, positionOf, ticketPage } from './ticket-cursor.js';
import { readGroup, readInstant, readSearch } from './ticket-list-query.js';
import {
  type NewOwnTicket,
  type TicketListFilter,
  type TicketWithPeople,
  ticketRepository as tickets,
} from './ticket-repository.js';
import {
  type CreateTicketBody,
  type ListTicketsQuery,
  type TicketView,
  toTicketView,
  type UpdateTicketBody,
  type Versioned,
} from './ticket-schemas.js';

/** A customer may close their ticket or reopen it; moving it into work is the operators' call. */
const CUSTOMER_STATUSES: ReadonlySet<TicketStatus> = new Set(['open', 'closed']);

export const etagOf = (version: number) => `"${version}"`;

/** RFC 9110 If-Match: `*`, or a list of entity tags one of which must be the current one. */
function matches(ifMatch: string, version: number): boolean {
  if (ifMatch.trim() === '*') return true;
  return ifMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etagOf(version));
}

export interface TicketServiceOptions {
  /** What customers see as a staff account's address (the support address). */
  staffEmail: string;
  limits: Config['limits'];
}

export class TicketService {
  constructor(
    private readonly db: Db,
    private readonly options: TicketServiceOptions,
  ) {}

  private viewer(as: Standing): Viewer {
    return { standing: as, staffEmail: this.options.staffEmail };
  }

  /**
   * POST /tickets. With an idempotency key the ticket row carries it (unique), so a retried request finds the
   * ticket its first attempt created, even if that attempt's response was lost with the connection.
   */
  async create(
    caller: Caller,
    input: Static<typeof CreateTicketBody>,
    idempotencyKey?: string,
  ): Promise<Versioned<TicketView>> {
    const rowKey = idempotencyKey ? `${caller.id}:${idempotencyKey}` : null;
    if (rowKey) {
      const existing = await tickets.findByIdempotencyKey(this.db, rowKey);
      if (existing) return this.versioned(caller, existing.id);
    }
    const values = { subject: input.subject, description: input.description, idempotencyKey: rowKey };
    try {
      if (input.creator_id !== undefined && input.creator_id !== caller.id) {
        return await this.createFor(caller, input.creator_id, values);
      }
      await this.checkLimit(caller);
      const own = await this.open(this.db, caller, { ...values, channel: 'api' });
      // The only person in it is the caller (its creator): nothing to hide from them.
      return { view: toTicketView(own), version: own.ticket.version };
    } catch (error) {
      if (rowKey && isUniqueViolation(error, 'tickets_idempotency_key_key')) {
        const existing = await tickets.findByIdempotencyKey(this.db, rowKey);
        if (existing) return this.versioned(caller, existing.id);
      }
      throw error;
    }
  }

  /** Tickets per user per hour (TICKETS_PER_USER_PER_HOUR; RATE_LIMITS=off lifts it). */
  private async checkLimit(caller: Caller): Promise<void> {
    if (!this.options.limits.enabled) return;
    const max = this.options.limits.ticketsPerUserPerHour;
    checkHourlyLimit(await tickets.nthNewestSince(this.db, caller.id, max, HOUR_MS), max, 'new tickets');
  }

  /**
   * A ticket `creator` opens for themselves, through any channel (the API, a mail): the one way tickets
   * begin. One statement that also checks the creator may act; `db` may be the channel's transaction.
   */
  async open(db: Db, creator: Caller, values: NewOwnTicket): Promise<TicketWithPeople> {
    const opened = await tickets.insertOwn(db, creator, values);
    if (!opened) throw errors.invalidToken();
    return opened;
  }

  /**
   * An operator opens a ticket on behalf of another user, who must be able to act: a deactivated account is
   * answered like an unknown one (the seed's 400), as its tickets could never be followed up by its owner.
   */
  private async createFor(
    caller: Caller,
    creatorId: number,
    values: Omit<NewOwnTicket, 'channel'>,
  ): Promise<Versioned<TicketView>> {
    if (!isStaff(await caller.user())) throw errors.forbidden('Only operators can open tickets for other users');
    const creator = await users.findById(this.db, creatorId);
    if (!creator?.isActive) throw errors.creatorNotFound(creatorId);
    const ticket = await tickets.insert(this.db, { ...values, creatorId: creator.id });
    return { view: toTicketView({ ticket, creator, operator: null }), version: ticket.version };
  }

  private async versioned(caller: Caller, id: number): Promise<Versioned<TicketView>> {
    const found = await tickets.findWithPeople(this.db, id);
    if (!found) throw errors.ticketNotFound();
    const as = isStaff(await caller.user()) ? 'staff' : 'customer';
    return { view: toTicketView(found, this.viewer(as)), version: found.ticket.version };
  }

  /** Someone else's ticket is "not found" for a customer, never "forbidden": ids leak nothing. */
  async get(caller: Caller, id: number): Promise<Versioned<TicketView>> {
    const { result: found, as } = await asCaller(
      caller,
      (as) => tickets.findAs(this.db, id, caller, as),
      (found) => found !== undefined,
    );
    if (!found) throw errors.ticketNotFound();
    return { view: toTicketView(found, this.viewer(as)), version: found.ticket.version };
  }

  async list(caller: Caller, query: Static<typeof ListTicketsQuery>): Promise<Page<TicketView>> {
    // Read before any statement checks the caller: a caller who may no longer act gets its 401 first.
    const filter = await readInput(caller, () => readListFilter(query));
    const { result: rows, as } = await asCaller(
      caller,
      (as) => tickets.listAs(this.db, caller, as, filter),
      (rows) => rows.length > 0,
    );
    const page = ticketPage(rows, query.limit, ({ ticket, rank }) =>
      encodeTicketCursor(query.sort_by, positionOf(query.sort_by, { ...ticket, rank }), query.q),
    );
    const viewer = this.viewer(as);
    return { items: page.items.map((row) => toTicketView(row, viewer)), nextCursor: page.nextCursor };
  }

  /** `ifMatch`: the ETag the client read; checked under the row lock, so two stale writers cannot both win. */
  async update(
    caller: Caller,
    id: number,
    input: Static<typeof UpdateTicketBody>,
    ifMatch?: string,
  ): Promise<Versioned<TicketView>> {
    const user = await caller.user();
    const as: Standing = isStaff(user) ? 'staff' : 'customer';
    return this.db.transaction(async (tx) => {
      const ticket = await tickets.findById(tx, id, { forUpdate: true });
      // The seed answers an unknown ticket on PATCH with 400 and its own text.
      if (!ticket || !ticketIsOpenTo(user, ticket)) throw errors.ticketToUpdateNotFound(id);
      if (ifMatch !== undefined && !matches(ifMatch, ticket.version)) throw errors.staleTicket();
      if (as === 'customer') checkCustomerChange(input);
      if (input.operator_id !== undefined && input.operator_id !== null) {
        const operator = await users.findById(tx, input.operator_id);
        if (!operator?.isActive || !isStaff(operator)) throw errors.operatorNotFound(input.operator_id);
      }
      await tickets.update(tx, id, { status: input.status, operatorId: input.operator_id });
      const updated = await tickets.findWithPeople(tx, id);
      if (!updated) throw errors.ticketToUpdateNotFound(id);
      return { view: toTicketView(updated, this.viewer(as)), version: updated.ticket.version };
    });
  }
}

function checkCustomerChange(input: Static<typeof UpdateTicketBody>): void {
  if (input.operator_id !== undefined) throw errors.forbidden('Only operators can assign tickets');
  if (input.status !== undefined && !CUSTOMER_STATUSES.has(input.status)) {
    throw errors.forbidden('Customers can only close or reopen their tickets');
  }
}

/** The list's query as the repository takes it; what the schema could not judge alone is a 422 here. */
function readListFilter(query: Static<typeof ListTicketsQuery>): TicketListFilter {
  const sort = query.sort_by;
  if (sort === 'relevance' && query.q === undefined) {
    throw errors.badQueryValue('sort_by', "sort_by=relevance needs a search: give 'q'");
  }
  return {
    status: query.status,
    priority: query.priority,
    tag: query.tag === undefined ? undefined : normalizeTag(query.tag),
    groupId: query.group_id === undefined ? undefined : readGroup(query.group_id),
    operatorId: query.operator_id,
    assignee: query.assignee,
    createdAfter: query.created_after === undefined ? undefined : readInstant('created_after', query.created_after),
    createdBefore: query.created_before === undefined ? undefined : readInstant('created_before', query.created_before),
    updatedAfter: query.updated_after === undefined ? undefined : readInstant('updated_after', query.updated_after),
    search: query.q === undefined ? undefined : readSearch(query.q),
    sort,
    after: query.cursor === undefined ? undefined : decodeTicketCursor(sort, query.cursor, query.q),
    limit: query.limit + 1,
  };
}
