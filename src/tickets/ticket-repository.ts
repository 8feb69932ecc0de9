import { aliasedTable, and, asc, desc, eq, gt, inArray, lt, type Placeholder, type SQL, sql } from 'drizzle-orm';
import type { Caller, Standing } from '../access/caller.js';
import { callerActs, callerParams, ticketOpenTo } from '../access/ticket-access.js';
import type { Db } from '../db/client.js';
import { insertFromSelect } from '../db/insert-from-select.js';
import { orderAndLimit, preparedByShape, rowBucket } from '../db/prepared.js';
import {
  groups,
  messageChannel,
  type TicketRow,
  type TicketStatus,
  ticketColumns,
  ticketEvents,
  ticketPriority,
  tickets,
  users,
} from '../db/schema.js';
import { eventsFromSelect, eventType } from '../events/event-repository.js';
import type { Cursor } from '../lib/cursor.js';
import { type PublicUserRow, publicUserColumns } from '../users/user-repository.js';

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
  order: 'asc' | 'desc';
  after?: Cursor;
  /** Rows wanted; up to the next `rowBucket` may come back (the caller slices its page). */
  limit: number;
}

/** Staff or customer; status filter or not; ascending or descending; after a cursor or not; rows (a `rowBucket`). */
type ListShape = `${'o' | 'c'}${'s' | '_'}${'a' | 'd'}${'k' | '_'}${number}`;

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

const shapeOf = (as: Standing) => (as === 'staff' ? 'o' : 'c');

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

const insertOwnStatement = preparedByShape('ticket_insert_own', (db, _shape: 'any', name) => {
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
      ${sql.placeholder('priority')}::${sql.identifier(ticketPriority.enumName)}, ${sql.placeholder('tags')}::text[],
      ${sql.placeholder('groupId')}::integer
    where ${callerActs(db, undefined)}`,
  );
  // Its history begins in the same statement: no ticket without its `ticket.created`.
  const created = eventsFromSelect(
    db,
    'created_event',
    sql`select ${inserted.id}, ${eventType('ticket.created')}, ${inserted.creatorId}, null::integer, '{}'::jsonb from ${inserted}`,
  );
  const { id, subject, description, status, creatorId, operatorId, channel, version, idempotencyKey } = inserted;
  const { priority, tags, groupId, mergedIntoId, createdAt, updatedAt } = inserted;
  const ticket = {
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
  const [as, status, order, after] = shape;
  const position = sql`(${tickets.createdAt}, ${tickets.id})`;
  const afterValue = sql`(${sql.placeholder('afterAt')}::timestamptz, ${sql.placeholder('afterId')})`;
  const direction = order === 'a' ? asc : desc;
  const standing: Standing = as === 'o' ? 'staff' : 'customer';
  return selectWithPeople(db)
    .where(
      and(
        status === 's' ? eq(tickets.status, sql.placeholder('status')) : undefined,
        callerActs(db, standing),
        ticketOpenTo(db, standing),
        after === 'k' ? (order === 'a' ? gt(position, afterValue) : lt(position, afterValue)) : undefined,
      ),
    )
    .orderBy(orderAndLimit([direction(tickets.createdAt), direction(tickets.id)], Number(shape.slice(4))))
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
   * (ticket-access.ts); returns it with its creator, or nothing when the caller may not act.
   */
  async insertOwn(db: Db, caller: Caller, values: NewOwnTicket): Promise<TicketWithPeople | undefined> {
    const [row] = await insertOwnStatement(db, 'any').execute({
      priority: 'normal',
      tags: [],
      groupId: null,
      ...values,
      ...callerParams(caller),
    });
    return row && { ...row, operator: null };
  },

  /** A ticket as given, and its `ticket.created` by `actorId`: `db` must be a transaction. */
  async insert(db: Db, ticket: NewTicket, actorId: number): Promise<TicketRow> {
    const [row] = await db.insert(tickets).values(ticket).returning(ticketColumns);
    const inserted = row as TicketRow;
    await db.insert(ticketEvents).values({ ticketId: inserted.id, type: 'ticket.created', actorId });
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
   * The tickets open to the caller as `as`, in one statement that checks the caller too. Keyset pagination
   * on (created_at, id): each filter combination has an index with that suffix (see schema.ts), so a page
   * costs the same at a thousand tickets or a million.
   */
  async listAs(db: Db, caller: Caller, as: Standing, filter: TicketListFilter): Promise<TicketWithPeople[]> {
    const { status, order, after, limit } = filter;
    const shape: ListShape = `${shapeOf(as)}${status ? 's' : '_'}${order === 'asc' ? 'a' : 'd'}${after ? 'k' : '_'}${rowBucket(limit)}`;
    return pageStatement(db, shape).execute({
      ...callerParams(caller),
      status,
      afterAt: after?.createdAt.toISOString(),
      afterId: after?.id,
    });
  },
};
