import {
  aliasedTable,
  and,
  asc,
  desc,
  eq,
  gt,
  gte,
  inArray,
  isNotNull,
  isNull,
  lt,
  lte,
  or,
  type Placeholder,
  type SQL,
  sql,
} from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import type { Caller, Standing } from '../access/caller.js';
import { callerActs, callerParams, ticketOpenTo } from '../access/ticket-access.js';
import type { Db } from '../db/client.js';
import { insertFromSelect } from '../db/insert-from-select.js';
import { orderAndLimit, preparedByShape } from '../db/prepared.js';
import {
  groups,
  messageChannel,
  slaPolicies,
  type TicketPriority,
  type TicketRow,
  type TicketStatus,
  ticketColumns,
  ticketEvents,
  ticketPriority,
  tickets,
  users,
} from '../db/schema.js';
import { eventRequestId, eventsFromSelect, eventType } from '../events/event-repository.js';
import { type PublicUserRow, publicUserColumns } from '../users/user-repository.js';
import type { TicketPosition, TicketSort } from './ticket-cursor.js';
import type { SlaFilter, TicketSearch } from './ticket-list-query.js';
import { type ListShape, listShapeOf, shapeParams, shapeQuery, shapeRows, shapeStanding } from './ticket-list-shape.js';
import { countHits, creatorMatches, type HitCounts, messageMatches, searchedIds, tsQuery } from './ticket-search.js';

const creator = aliasedTable(users, 'creator');
const operator = aliasedTable(users, 'operator');

export interface TicketWithPeople {
  ticket: TicketRow;
  creator: PublicUserRow;
  operator: PublicUserRow | null;
  group: { id: number; name: string } | null;
}

export interface TicketListFilter {
  status?: TicketStatus;
  priority?: TicketPriority;
  /** Normalised (tags.ts). */
  tag?: string;
  /** A group; null: no group. */
  groupId?: number | null;
  operatorId?: number;
  /** `me`: assigned to the caller; `none`: unassigned. */
  assignee?: 'me' | 'none';
  /** Inclusive. */
  createdAfter?: Date;
  /** Exclusive: `created_after` and `created_before` of consecutive windows never share a ticket. */
  createdBefore?: Date;
  /** Inclusive. */
  updatedAfter?: Date;
  search?: TicketSearch;
  /** Staff only (the service refuses customers). */
  sla?: SlaFilter;
  sort: TicketSort;
  /** A position of `sort`'s kind (ticket-cursor.ts decodes only those). */
  after?: TicketPosition;
  /** Rows wanted; up to the next `rowBucket` may come back (the caller slices its page). */
  limit: number;
}

/** A row of a list, with its search score on relevance pages (the cursor is built from it). */
export type ListedTicket = TicketWithPeople & { rank?: number };

/** How staff file a ticket; a customer's ticket takes the defaults. */
export type Triage = Partial<Pick<TicketRow, 'priority' | 'tags' | 'groupId'>>;
export type NewTicket = Pick<TicketRow, 'subject' | 'description' | 'creatorId'> &
  Triage & { idempotencyKey?: string | null };
export type NewOwnTicket = Pick<TicketRow, 'subject' | 'description' | 'idempotencyKey' | 'channel'> & Triage;
export type TicketChanges = Partial<Pick<TicketRow, 'status' | 'operatorId' | 'priority' | 'tags' | 'groupId'>>;

/** What any change to a ticket sets: it was updated now, and its version (its ETag) moves on. */
export const ticketActivity = () => ({ updatedAt: sql`now()`, version: sql`${tickets.version} + 1` });

/**
 * The status a message leaves its ticket in — the rule, once, for every channel: a message from the
 * ticket's creator on their closed ticket means the problem is back, so it reopens; staff messages (an
 * answer, a note) leave the status alone. `fromCustomerSide`: written as a customer or through a channel
 * (a mail); `authorId` the author's id in the statement.
 */
export function statusAfterMessage(fromCustomerSide: boolean, authorId: SQL | Placeholder) {
  if (!fromCustomerSide) return {};
  return {
    status: sql`case when ${tickets.status} = 'closed' and ${tickets.creatorId} = ${authorId} then 'open' else ${tickets.status} end`,
  };
}

/** One query with both people joined: a page of tickets never costs a query per row. */
function selectWithPeople(db: Db) {
  return db
    .select({
      ticket: ticketColumns,
      creator: publicUserColumns(creator),
      operator: publicUserColumns(operator),
      group: { id: groups.id, name: groups.name },
    })
    .from(tickets)
    .innerJoin(creator, eq(creator.id, tickets.creatorId))
    .leftJoin(operator, eq(operator.id, tickets.operatorId))
    .leftJoin(groups, eq(groups.id, tickets.groupId));
}

/**
 * `unless_sla`: the ticket is inserted only while no SLA policy covers its priority, so a desk without SLA
 * opens a ticket in this one statement; under a policy nothing is written and the service opens it again,
 * `any` way, in a transaction that also writes its due times (computed in code: business hours).
 */
type InsertOwnShape = 'any' | 'unless_sla';

const insertOwnStatement = preparedByShape('ticket_insert_own', (db, shape: InsertOwnShape, name) => {
  const newPriority = sql`${sql.placeholder('priority')}::${sql.identifier(ticketPriority.enumName)}`;
  const noPolicy = sql`not exists (select 1 from ${slaPolicies} where ${slaPolicies.priority} = ${newPriority} or ${slaPolicies.priority} is null)`;
  const inserted = insertFromSelect(
    db,
    tickets,
    [
      tickets.subject,
      tickets.description,
      tickets.creatorId,
      tickets.idempotencyKey,
      tickets.channel,
      tickets.priority,
      tickets.tags,
      tickets.groupId,
    ],
    sql`select ${sql.placeholder('subject')}::text, ${sql.placeholder('description')}::text,
      ${sql.placeholder('callerId')}::integer, ${sql.placeholder('idempotencyKey')}::text,
      ${sql.placeholder('channel')}::${sql.identifier(messageChannel.enumName)},
      ${newPriority}, ${sql.placeholder('tags')}::text[], ${sql.placeholder('groupId')}::integer
    where ${callerActs(db, undefined)}${shape === 'unless_sla' ? sql` and ${noPolicy}` : sql``}`,
  );
  // Its history begins in the same statement: no ticket without its `ticket.created`.
  const created = eventsFromSelect(
    db,
    'created_event',
    sql`select ${inserted.id}, ${eventType('ticket.created')}, ${inserted.creatorId}, null::integer, '{}'::jsonb from ${inserted}`,
  );
  const { id, subject, description, status, creatorId, operatorId, channel, version, idempotencyKey } = inserted;
  const { priority, tags, groupId, mergedIntoId, createdAt, updatedAt } = inserted;
  const { slaPolicyId, slaFirstResponseDueAt, slaResolutionStartedAt, slaResolutionDueAt } = inserted;
  const { slaFirstRespondedAt, slaFirstResponseBreachedAt, slaResolutionBreachedAt } = inserted;
  const ticket = {
    slaPolicyId,
    slaFirstResponseDueAt,
    slaResolutionStartedAt,
    slaResolutionDueAt,
    slaFirstRespondedAt,
    slaFirstResponseBreachedAt,
    slaResolutionBreachedAt,
    id,
    subject,
    description,
    status,
    creatorId,
    operatorId,
    channel,
    priority,
    tags,
    groupId,
    mergedIntoId,
    version,
    idempotencyKey,
    createdAt,
    updatedAt,
  };
  return db
    .with(inserted, created)
    .select({ ticket, creator: publicUserColumns(creator), group: { id: groups.id, name: groups.name } })
    .from(inserted)
    .innerJoin(creator, eq(creator.id, inserted.creatorId))
    .leftJoin(groups, eq(groups.id, inserted.groupId))
    .prepare(name);
});

const findStatement = preparedByShape('ticket_with_people', (db, as: Standing, name) =>
  selectWithPeople(db)
    .where(and(eq(tickets.id, sql.placeholder('id')), callerActs(db, as), ticketOpenTo(db, as)))
    .prepare(name),
);

const pageStatement = preparedByShape('tickets_page', (db, shape: ListShape, name) => {
  const { conditions, order } = shapeQuery(shape);
  const standing = shapeStanding(shape);
  return selectWithPeople(db)
    .where(and(...conditions, callerActs(db, standing), ticketOpenTo(db, standing)))
    .orderBy(orderAndLimit(order, shapeRows(shape)))
    .prepare(name);
});

export const ticketRepository = {
  /**
   * When the `n`-th newest ticket `creatorId` opened within `windowMs` was opened; none: fewer than `n`.
   * The per-user limit: `n` tickets a window, and the next one once the oldest of them leaves it.
   */
  async nthNewestSince(db: Db, creatorId: number, n: number, windowMs: number): Promise<Date | undefined> {
    const [row] = await db
      .select({ createdAt: tickets.createdAt })
      .from(tickets)
      .where(
        and(
          eq(tickets.creatorId, creatorId),
          gt(tickets.createdAt, sql`now() - ${`${windowMs} milliseconds`}::interval`),
        ),
      )
      .orderBy(desc(tickets.createdAt))
      .offset(n - 1)
      .limit(1);
    return row?.createdAt;
  },

  /**
   * A ticket the caller opens for themselves, in one statement that also checks that the caller may act
   * (ticket-access.ts); returns it with its creator, or nothing when the caller may not act (or, as
   * `unless_sla`, when an SLA policy covers its priority).
   */
  async insertOwn(
    db: Db,
    caller: Caller,
    values: NewOwnTicket,
    shape: InsertOwnShape = 'any',
  ): Promise<TicketWithPeople | undefined> {
    const [row] = await insertOwnStatement(db, shape).execute({
      priority: 'normal',
      tags: [],
      groupId: null,
      ...values,
      ...callerParams(caller),
      requestId: eventRequestId(),
    });
    return row && { ...row, operator: null };
  },

  /** A ticket as given, and its `ticket.created` by `actorId`: `db` must be a transaction. */
  async insert(db: Db, ticket: NewTicket, actorId: number): Promise<TicketRow> {
    const [row] = await db.insert(tickets).values(ticket).returning(ticketColumns);
    const inserted = row as TicketRow;
    await db
      .insert(ticketEvents)
      .values({ ticketId: inserted.id, type: 'ticket.created', actorId, requestId: eventRequestId() });
    return inserted;
  },

  async findByIdempotencyKey(db: Db, key: string): Promise<TicketRow | undefined> {
    const [row] = await db.select(ticketColumns).from(tickets).where(eq(tickets.idempotencyKey, key));
    return row;
  },

  async findById(db: Db, id: number, options: { forUpdate?: boolean } = {}): Promise<TicketRow | undefined> {
    const query = db.select(ticketColumns).from(tickets).where(eq(tickets.id, id));
    const [row] = options.forUpdate ? await query.for('update') : await query;
    return row;
  },

  /**
   * GET /tickets/{id}: one statement that also checks the caller as `as` and that the ticket is open to
   * them; nothing back when they may not act or may not see it.
   */
  async findAs(db: Db, id: number, caller: Caller, as: Standing): Promise<TicketWithPeople | undefined> {
    return (await findStatement(db, as).execute({ id, ...callerParams(caller) }))[0];
  },

  /** Tickets by id with their people, unchecked: the live streams decide who gets which (src/live). */
  async findManyWithPeople(db: Db, ids: number[]): Promise<TicketWithPeople[]> {
    if (ids.length === 0) return [];
    return selectWithPeople(db).where(inArray(tickets.id, ids));
  },

  async findWithPeople(db: Db, id: number): Promise<TicketWithPeople | undefined> {
    const [row] = await selectWithPeople(db).where(eq(tickets.id, id));
    return row;
  },

  /** A merge: ticket `id` is closed and points at `into`, where its messages and mail now go. */
  async markMerged(db: Db, id: number, into: number): Promise<void> {
    await db
      .update(tickets)
      .set({ status: 'closed', mergedIntoId: into, ...ticketActivity() })
      .where(eq(tickets.id, id));
  },

  /** Both tickets of a merge, locked in id order (two merges of the same pair cannot deadlock). */
  async lockPair(db: Db, a: number, b: number): Promise<Map<number, TicketRow>> {
    const rows = await db
      .select(ticketColumns)
      .from(tickets)
      .where(inArray(tickets.id, [a, b]))
      .orderBy(asc(tickets.id))
      .for('update');
    return new Map(rows.map((row) => [row.id, row]));
  },

  async update(db: Db, id: number, changes: TicketChanges): Promise<void> {
    await db
      .update(tickets)
      .set({ ...changes, ...ticketActivity() })
      .where(eq(tickets.id, id));
  },

  /**
   * The tickets open to the caller as `as`, in one statement that checks the caller too (two on relevance
   * pages: see `relevancePage`). Keyset pagination on the sort's columns, never OFFSET: each filter has an
   * index ending in (created_at, id) (see schema.ts), so a page costs the same at a thousand tickets or a
   * million.
   *
   * Prepared or not (ticket-list-shape.ts says which and why): lists by created_at whose every filter one
   * generic plan serves — status, priority, group, assignee, creation dates, a tag in the form its frequency
   * asks for — run as prepared statements, one per shape (`pageStatement`); other orders, `updated_after` and
   * searches are built and planned per request (`dynamicPage`, `relevancePage`), since their best plan
   * depends on the values.
   */
  async listAs(db: Db, caller: Caller, as: Standing, filter: TicketListFilter): Promise<ListedTicket[]> {
    const { sort } = filter;
    const shape = await listShapeOf(db, as, filter);
    if (shape) return pageStatement(db, shape).execute({ ...callerParams(caller), ...shapeParams(filter) });
    if (sort !== 'relevance') {
      const hits = filter.search && (await countHits(db, as, filter.search));
      return dynamicPage(db, as, { ...filter, sort }, hits).execute(callerParams(caller));
    }
    // The service refuses relevance without a search (422): nothing is relevant to no question.
    return filter.search ? relevancePage(db, caller, as, { ...filter, search: filter.search }) : [];
  },
};

type KeyedSort = Exclude<TicketSort, 'relevance'>;

/** The columns of an order, last to first tie-breaker, and its direction. */
function sortKeys(sort: KeyedSort): { columns: PgColumn[]; direction: 'asc' | 'desc' } {
  switch (sort) {
    case 'created_at_desc':
      return { columns: [tickets.createdAt, tickets.id], direction: 'desc' };
    case 'created_at_asc':
      return { columns: [tickets.createdAt, tickets.id], direction: 'asc' };
    case 'updated_at_desc':
      return { columns: [tickets.updatedAt, tickets.id], direction: 'desc' };
    case 'updated_at_asc':
      return { columns: [tickets.updatedAt, tickets.id], direction: 'asc' };
    case 'priority_desc':
      // Declared low..urgent (schema.ts), so desc is urgent first; then newest, then id.
      return { columns: [tickets.priority, tickets.createdAt, tickets.id], direction: 'desc' };
  }
}

/** SQL values of a position, in the order of its sort's columns. */
function positionValues(position: TicketPosition): SQL[] {
  const at = (date: Date) => sql`${date.toISOString()}::timestamptz`;
  const id = sql`${position.id}::integer`;
  switch (position.by) {
    case 'created_at':
    case 'updated_at':
      return [at(position.at), id];
    case 'priority':
      return [sql`${position.priority}::${sql.identifier(ticketPriority.enumName)}`, at(position.at), id];
    case 'relevance':
      return [sql`${position.rank}::float8`, id];
  }
}

/**
 * Rows past `position` in an order whose columns all go one `direction`: a row comparison, which
 * PostgreSQL reads as a range of an index on those columns.
 */
function pastPosition(columns: (SQL | PgColumn | SQL.Aliased)[], direction: 'asc' | 'desc', position?: TicketPosition) {
  if (!position) return undefined;
  const row = sql`(${sql.join(columns, sql`, `)})`;
  return sql`${row} ${sql.raw(direction === 'asc' ? '>' : '<')} (${sql.join(positionValues(position), sql`, `)})`;
}

/** The filters, on `tickets`, with who may see what (ticket-access.ts). */
function listConditions(db: Db, as: Standing, filter: TicketListFilter): (SQL | undefined)[] {
  const { status, priority, tag, groupId, operatorId, assignee, createdAfter, createdBefore, updatedAfter } = filter;
  return [
    status ? eq(tickets.status, status) : undefined,
    priority ? eq(tickets.priority, priority) : undefined,
    // `@>` with a one-element array is what the GIN index on tags answers.
    tag !== undefined ? sql`${tickets.tags} @> array[${tag}::text]` : undefined,
    groupId === null ? isNull(tickets.groupId) : groupId !== undefined ? eq(tickets.groupId, groupId) : undefined,
    operatorId !== undefined ? eq(tickets.operatorId, operatorId) : undefined,
    assignee === 'me'
      ? eq(tickets.operatorId, sql.placeholder('callerId'))
      : assignee === 'none'
        ? isNull(tickets.operatorId)
        : undefined,
    createdAfter ? gte(tickets.createdAt, createdAfter) : undefined,
    createdBefore ? lt(tickets.createdAt, createdBefore) : undefined,
    updatedAfter ? gte(tickets.updatedAt, updatedAfter) : undefined,
    filter.sla ? slaCondition(filter.sla) : undefined,
    ticketOpenTo(db, as),
  ];
}

/** `sla=breached` / `sla=due_within:N` (src/sla): the due-time conditions match the sweep's partial indexes. */
function slaCondition(filter: SlaFilter): SQL | undefined {
  if (filter.kind === 'breached') {
    return or(isNotNull(tickets.slaFirstResponseBreachedAt), isNotNull(tickets.slaResolutionBreachedAt));
  }
  const horizon = sql`now() + ${`${filter.minutes} minutes`}::interval`;
  return or(
    and(
      isNull(tickets.slaFirstRespondedAt),
      isNull(tickets.slaFirstResponseBreachedAt),
      lte(tickets.slaFirstResponseDueAt, horizon),
      sql`${tickets.status} <> 'closed'`,
    ),
    and(
      isNull(tickets.slaResolutionBreachedAt),
      lte(tickets.slaResolutionDueAt, horizon),
      sql`${tickets.status} <> 'closed'`,
    ),
  );
}

/**
 * A page of a list with any filter, order or search, built for this request. Placeholders: `callerId`,
 * `callerVersion` (callerParams).
 *
 * A search is a UNION of the ids each branch finds (`searchedIds`), each branch with the page's filters,
 * position, order and LIMIT, then the page from those few ids. An OR of the branches in one WHERE would be
 * one condition over two tables: no index answers it, so a rare word would read every ticket. As separate
 * branches, each has its own index: a rare word is its matching rows by id and a top-N sort of them; a
 * common word walks the order's index and stops after a page's worth of matches instead of collecting
 * 100 000 of them; an id is the primary key, a creator their index. `hits`: `countHits` of the search.
 */
function dynamicPage(db: Db, as: Standing, filter: TicketListFilter & { sort: KeyedSort }, hits?: HitCounts) {
  const { columns, direction } = sortKeys(filter.sort);
  const order = columns.map((column) => (direction === 'asc' ? asc(column) : desc(column)));
  const conditions = [...listConditions(db, as, filter), pastPosition(columns, direction, filter.after)];
  const page = selectWithPeople(db);
  if (!filter.search) {
    return page
      .where(and(...conditions, callerActs(db, as)))
      .orderBy(...order)
      .limit(filter.limit);
  }
  const found = searchedIds(
    db,
    as,
    filter.search,
    (branch) =>
      db
        .select({ id: tickets.id })
        .from(tickets)
        .where(and(...conditions, branch))
        .orderBy(...order)
        .limit(filter.limit),
    hits,
  );
  return page
    .where(and(sql`${tickets.id} in (${found})`, callerActs(db, as)))
    .orderBy(...order)
    .limit(filter.limit);
}

/**
 * A page by relevance: the score of every match, best first, then id. The score is ts_rank of the
 * ticket's own document (about 0.06 for one occurrence of a word, more for more); a matching message adds
 * 0.01 — a ticket about the word ranks above one where it was mentioned in passing, and of two equal texts
 * the one also discussed ranks first —; an exact hit (id, creator) adds 1, so `#123` comes first. Ranking needs
 * every match scored, so a very common word costs what its matches cost; sort by date to page such a word
 * cheaply. The score is float8 and goes into the cursor as it came (JSON round-trips a double exactly), so
 * the next page's comparison is exact. Two statements: the page's ids and scores (which check the caller),
 * then their rows with the people, put back in the page's order.
 */
async function relevancePage(
  db: Db,
  caller: Caller,
  as: Standing,
  filter: TicketListFilter & { search: TicketSearch },
): Promise<ListedTicket[]> {
  const { search } = filter;
  const exact = [search.id !== undefined ? eq(tickets.id, search.id) : undefined];
  if (as === 'staff') exact.push(creatorMatches(db, search));
  const exactHit = or(...exact);
  const rank = sql<number>`(ts_rank(${tickets.search}, ${tsQuery(search)})::float8
    + case when ${messageMatches(db, as, search)} then 0.01 else 0 end
    + case when ${exactHit ?? sql`false`} then 1 else 0 end)`;
  const found = searchedIds(db, as, search, (branch) => db.select({ id: tickets.id }).from(tickets).where(branch));
  const scored = db
    .select({ id: tickets.id, rank: rank.mapWith(Number).as('rank') })
    .from(tickets)
    .where(and(sql`${tickets.id} in (${found})`, ...listConditions(db, as, filter)))
    .as('scored');
  const ranked = await db
    .select({ id: scored.id, rank: scored.rank })
    .from(scored)
    .where(and(callerActs(db, as), pastPosition([scored.rank, scored.id], 'desc', filter.after)))
    .orderBy(desc(scored.rank), desc(scored.id))
    .limit(filter.limit)
    .execute(callerParams(caller));
  if (ranked.length === 0) return [];
  const ids: number[] = ranked.map((row) => row.id);
  const rows: TicketWithPeople[] = await selectWithPeople(db).where(inArray(tickets.id, ids));
  const byId = new Map<number, TicketWithPeople>(rows.map((row) => [row.ticket.id, row]));
  return ranked.flatMap(({ id, rank }) => {
    const row = byId.get(id);
    return row ? [{ ...row, rank }] : [];
  });
}
