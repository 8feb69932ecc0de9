import type { Static } from 'typebox';
import { type Caller, isStaff, type Standing } from '../access/caller.js';
import { asCaller, readInput, ticketIsOpenTo } from '../access/ticket-access.js';
import type { Config } from '../config.js';
import type { Db } from '../db/client.js';
import { isUniqueViolation } from '../db/errors.js';
import type { TicketRow, TicketStatus, UserRow } from '../db/schema.js';
import { eventRepository as events } from '../events/event-repository.js';
import { groupRepository as groups } from '../groups/group-repository.js';
import { DomainError, errors } from '../lib/errors.js';
import { checkHourlyLimit, HOUR_MS } from '../lib/hourly-limit.js';
import type { Page } from '../lib/schemas.js';
import { refreshTicketSla, slaPolicyFor, startTicketSla } from '../sla/ticket-sla.js';
import { userRepository as users } from '../users/user-repository.js';
import type { Viewer } from '../users/user-schemas.js';
import { normalizeTag, normalizeTags } from './tags.js';
import { asksForTriage, changesOf, type TicketChangeRequest } from './ticket-changes.js';
import { decodeTicketCursor, encodeTicketCursor, positionOf, ticketPage } from './ticket-cursor.js';
import { readGroup, readInstant, readSearch, readSlaFilter } from './ticket-list-query.js';
import {
  type ListedTicket,
  type NewOwnTicket,
  type TicketListFilter,
  type TicketWithPeople,
  type Triage,
  ticketRepository as tickets,
} from './ticket-repository.js';
import {
  type BulkUpdateBody,
  type BulkUpdateResult,
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

/**
 * Why a customer may not run this list, when a filter is staff's: customers never see tags or groups (see
 * toTicketView), so filtering by them would reveal them; nor SLA (always null for them).
 */
function staffOnlyFilter(filter: TicketListFilter): string | undefined {
  if (filter.tag !== undefined || filter.groupId !== undefined) return 'Only operators can filter by tag or group';
  if (filter.sla !== undefined) return 'Only operators can filter by SLA';
  return undefined;
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
    const triage = await this.triageOf(caller, input);
    const values = { subject: input.subject, description: input.description, idempotencyKey: rowKey, ...triage };
    try {
      if (input.creator_id !== undefined && input.creator_id !== caller.id) {
        return await this.createFor(caller, input.creator_id, values);
      }
      await this.checkLimit(caller);
      const own = await this.open(this.db, caller, { ...values, channel: 'api' });
      // The only person in it is the caller (its creator): nothing to hide from them but staff's own (its SLA).
      // Their role comes with the ticket, read by the statement that checked they may act: no second query.
      const as: Standing = isStaff(own.creator) ? 'staff' : 'customer';
      return { view: toTicketView(own, { ...this.viewer(as), standing: as }), version: own.ticket.version };
    } catch (error) {
      if (rowKey && isUniqueViolation(error, 'tickets_idempotency_key_key')) {
        const existing = await tickets.findByIdempotencyKey(this.db, rowKey);
        if (existing) return this.versioned(caller, existing.id);
      }
      throw error;
    }
  }

  /** Priority, tags and group of a new ticket: staff only, the group must exist, tags stored normalised. */
  private async triageOf(caller: Caller, input: Static<typeof CreateTicketBody>): Promise<Triage> {
    if (!asksForTriage(input)) return {};
    if (!isStaff(await caller.user())) throw errors.triageForbidden();
    if (input.group_id != null && !(await groups.exists(this.db, input.group_id))) {
      throw errors.unknownGroupId(input.group_id);
    }
    return {
      ...(input.priority !== undefined ? { priority: input.priority } : {}),
      ...(input.tags !== undefined ? { tags: normalizeTags(input.tags) } : {}),
      ...(input.group_id !== undefined ? { groupId: input.group_id } : {}),
    };
  }

  /** Tickets per user per hour (TICKETS_PER_USER_PER_HOUR; RATE_LIMITS=off lifts it). */
  private async checkLimit(caller: Caller): Promise<void> {
    if (!this.options.limits.enabled) return;
    const max = this.options.limits.ticketsPerUserPerHour;
    checkHourlyLimit(await tickets.nthNewestSince(this.db, caller.id, max, HOUR_MS), max, 'new tickets');
  }

  /**
   * A ticket `creator` opens for themselves, through any channel (the API, a mail): the one way tickets
   * begin. One statement that also checks the creator may act and records `ticket.created`, written only
   * while no SLA policy covers its priority (a desk without SLA pays nothing more); under a policy, or when
   * the creator may not act, the ticket is opened in a transaction that writes its due times too (`db` may
   * already be the channel's).
   */
  async open(db: Db, creator: Caller, values: NewOwnTicket): Promise<TicketWithPeople> {
    const opened = await tickets.insertOwn(db, creator, values, 'unless_sla');
    if (opened) return opened;
    return db.transaction(async (tx) => {
      const policy = await slaPolicyFor(tx, values.priority ?? 'normal');
      const underPolicy = await tickets.insertOwn(tx, creator, values);
      if (!underPolicy) throw errors.invalidToken();
      if (!policy) return underPolicy;
      return {
        ...underPolicy,
        ticket: { ...underPolicy.ticket, ...(await startTicketSla(tx, underPolicy.ticket, policy)) },
      };
    });
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
    const policy = await slaPolicyFor(this.db, values.priority ?? 'normal');
    const ticket = await this.db.transaction(async (tx) => {
      const inserted = await tickets.insert(tx, { ...values, creatorId: creator.id }, caller.id);
      if (policy) await startTicketSla(tx, inserted, policy);
      return inserted;
    });
    const found = await tickets.findWithPeople(this.db, ticket.id);
    if (!found) throw errors.ticketNotFound();
    return { view: toTicketView(found, this.viewer('staff')), version: found.ticket.version };
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
    const staffOnly = staffOnlyFilter(filter);
    const { result: rows, as } = staffOnly
      ? { result: await this.staffList(caller, filter, staffOnly), as: 'staff' as const }
      : await asCaller(
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

  /**
   * A list with a staff-only filter. The staff statement checks the caller's role itself, so for an account
   * last seen as staff it runs at once and any row it returns proves the role; only an empty page (or no
   * guess) loads the account, to tell an empty answer from a customer's 403.
   */
  private async staffList(caller: Caller, filter: TicketListFilter, refusal: string): Promise<ListedTicket[]> {
    const guessed = caller.seenAs === 'staff' ? await tickets.listAs(this.db, caller, 'staff', filter) : undefined;
    if (guessed?.length) return guessed;
    if (!isStaff(await caller.user())) throw errors.forbidden(refusal);
    return guessed ?? tickets.listAs(this.db, caller, 'staff', filter);
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
      await this.change(tx, user, ticket, input);
      const updated = await tickets.findWithPeople(tx, id);
      if (!updated) throw errors.ticketToUpdateNotFound(id);
      return { view: toTicketView(updated, this.viewer(as)), version: updated.ticket.version };
    });
  }

  /**
   * PATCH /tickets: the same changes on many tickets, each in its own transaction with its own event, so one
   * that cannot take them (gone, too many tags) is listed in `failed` and the others still apply. An
   * operator or group that does not exist is the request's error (422/400), found before anything changes.
   */
  async bulkUpdate(caller: Caller, input: Static<typeof BulkUpdateBody>): Promise<Static<typeof BulkUpdateResult>> {
    const user = await caller.user();
    if (!isStaff(user)) throw errors.forbidden('Only operators can update tickets in bulk');
    const { changes } = input;
    await this.checkNamed(this.db, changes);
    const result: Static<typeof BulkUpdateResult> = { updated: [], failed: [] };
    for (const id of input.ids) {
      try {
        await this.db.transaction(async (tx) => {
          const ticket = await tickets.findById(tx, id, { forUpdate: true });
          if (!ticket) throw errors.ticketNotFound();
          await this.change(tx, user, ticket, changes);
        });
        result.updated.push(id);
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        const detail = typeof error.detail === 'string' ? error.detail : error.detail.map((d) => d.msg).join('; ');
        result.failed.push({ id, detail });
      }
    }
    return result;
  }

  /** The operator and the group a request names exist (and the operator may be assigned). */
  private async checkNamed(db: Db, request: TicketChangeRequest): Promise<void> {
    if (request.operator_id !== undefined && request.operator_id !== null) {
      const operator = await users.findById(db, request.operator_id);
      if (!operator?.isActive || !isStaff(operator)) throw errors.operatorNotFound(request.operator_id);
    }
    if (request.group_id != null && !(await groups.exists(db, request.group_id))) {
      throw errors.unknownGroupId(request.group_id);
    }
  }

  /**
   * Applies `request` to `ticket` (read under its lock in `tx`) for `user`: the role rules, the checks of
   * the operator and group named, then the columns that really change and their `ticket.updated` event, in
   * `tx`. A request that changes nothing writes nothing: no new version, no event.
   */
  async change(tx: Db, user: UserRow, ticket: TicketRow, request: TicketChangeRequest): Promise<void> {
    if (!isStaff(user)) checkCustomerChange(request);
    await this.checkNamed(tx, request);
    const { columns, recorded } = changesOf(ticket, request);
    if (Object.keys(recorded).length === 0) return;
    await tickets.update(tx, ticket.id, columns);
    await events.insert(tx, [{ ticketId: ticket.id, type: 'ticket.updated', actorId: user.id, changes: recorded }]);
    // Its SLA follows: another priority, another policy; a reopening starts the resolution clock again.
    const reopened = ticket.status === 'closed' && columns.status !== undefined && columns.status !== 'closed';
    if (columns.priority !== undefined || reopened)
      await refreshTicketSla(tx, ticket.id, { restartResolution: reopened });
  }
}

function checkCustomerChange(input: TicketChangeRequest): void {
  if (input.operator_id !== undefined) throw errors.forbidden('Only operators can assign tickets');
  if (asksForTriage(input)) throw errors.triageForbidden();
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
    sla: query.sla === undefined ? undefined : readSlaFilter(query.sla),
    sort,
    after: query.cursor === undefined ? undefined : decodeTicketCursor(sort, query.cursor, query.q),
    limit: query.limit + 1,
  };
}
