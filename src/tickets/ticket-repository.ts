import { aliasedTable, and, asc, desc, eq, gt, lt, sql } from 'drizzle-orm';
import { type CheckedCaller, callerParams, callerStands } from '../auth/caller.js';
import type { Db } from '../db/client.js';
import { insertFromSelect } from '../db/insert-from-select.js';
import { orderAndLimit, preparedByShape, rowBucket } from '../db/prepared.js';
import { type TicketRow, type TicketStatus, tickets, users } from '../db/schema.js';
import type { Cursor } from '../lib/cursor.js';
import { type PublicUserRow, publicUserColumns as publicColumns } from '../users/user-repository.js';

const creator = aliasedTable(users, 'creator');
const operator = aliasedTable(users, 'operator');

export interface TicketWithPeople {
  ticket: TicketRow;
  creator: PublicUserRow;
  operator: PublicUserRow | null;
}

export interface TicketListFilter {
  /** Staff list every ticket; a customer, their own. The statement also checks the caller (caller.ts). */
  reader: CheckedCaller;
  status?: TicketStatus;
  order: 'asc' | 'desc';
  after?: Cursor;
  /** Rows wanted; up to the next `rowBucket` may come back (the caller slices its page). */
  limit: number;
}

/**
 * Which parts a list query has: staff or customer, status filter, ascending or descending, after a
 * cursor; and how many rows it fetches (a `rowBucket`).
 */
type ListShape = `${'o' | 'c'}${'s' | '_'}${'a' | 'd'}${'k' | '_'}${number}`;

/** A ticket the caller opens for themselves. */
export type NewOwnTicket = Pick<TicketRow, 'subject' | 'description' | 'idempotencyKey'> & { creator: CheckedCaller };

export type NewTicket = Pick<TicketRow, 'subject' | 'description' | 'creatorId'> & {
  idempotencyKey?: string | null;
};
export type TicketChanges = Partial<Pick<TicketRow, 'status' | 'operatorId'>>;

/** What any change to a ticket sets: it was updated now, and its version (its ETag) moves on. */
export const ticketActivity = () => ({ updatedAt: sql`now()`, version: sql`${tickets.version} + 1` });

/** One query with both people joined: a page of tickets never costs a query per row. */
function selectWithPeople(db: Db) {
  return db
    .select({ ticket: tickets, creator: publicColumns(creator), operator: publicColumns(operator) })
    .from(tickets)
    .innerJoin(creator, eq(creator.id, tickets.creatorId))
    .leftJoin(operator, eq(operator.id, tickets.operatorId));
}

export const ticketRepository = {
  /**
   * A ticket opened by the caller for themselves, in one statement that also checks the caller (see
   * auth/caller.ts) and returns the ticket with its creator. Nothing back: a caller who may not act.
   * Prepared on `db`: parsed once per connection.
   */
  prepareInsertAs(db: Db): (ticket: NewOwnTicket) => Promise<TicketWithPeople | undefined> {
    const inserted = insertFromSelect(
      db,
      tickets,
      [tickets.subject, tickets.description, tickets.creatorId, tickets.idempotencyKey],
      sql`select ${sql.placeholder('subject')}::text, ${sql.placeholder('description')}::text,
        ${sql.placeholder('callerId')}::integer, ${sql.placeholder('idempotencyKey')}::text
      where ${callerStands(db, undefined)}`,
    );
    const { id, subject, description, status, creatorId, operatorId, version, idempotencyKey, createdAt, updatedAt } =
      inserted;
    const ticket = {
      id,
      subject,
      description,
      status,
      creatorId,
      operatorId,
      version,
      idempotencyKey,
      createdAt,
      updatedAt,
    };
    const statement = db
      .with(inserted)
      .select({ ticket, creator: publicColumns(creator) })
      .from(inserted)
      .innerJoin(creator, eq(creator.id, inserted.creatorId))
      .prepare('ticket_insert_as');
    return async ({ creator: caller, ...values }) => {
      const [row] = await statement.execute({ ...values, ...callerParams(caller) });
      return row && { ...row, operator: null };
    };
  },

  async insert(db: Db, ticket: NewTicket): Promise<TicketRow> {
    const [row] = await db.insert(tickets).values(ticket).returning();
    return row as TicketRow;
  },

  async findByIdempotencyKey(db: Db, key: string): Promise<TicketRow | undefined> {
    const [row] = await db.select().from(tickets).where(eq(tickets.idempotencyKey, key));
    return row;
  },

  async findById(db: Db, id: number, options: { forUpdate?: boolean } = {}): Promise<TicketRow | undefined> {
    const query = db.select().from(tickets).where(eq(tickets.id, id));
    const [row] = options.forUpdate ? await query.for('update') : await query;
    return row;
  },

  /**
   * `findWithPeople` prepared on `db` (not a transaction), checking the caller in the same statement (no
   * row when the caller may not act as guessed): GET /tickets/{id} is one statement, parsed once per
   * connection, with no query builder per request.
   */
  prepareFindWithPeople(db: Db): (id: number, reader: CheckedCaller) => Promise<TicketWithPeople | undefined> {
    const statementFor = preparedByShape('ticket_with_people', (reader: 'o' | 'c', name) =>
      selectWithPeople(db)
        .where(and(eq(tickets.id, sql.placeholder('id')), callerStands(db, reader === 'o')))
        .prepare(name),
    );
    return async (id, reader) =>
      (await statementFor(reader.staff ? 'o' : 'c').execute({ id, ...callerParams(reader) }))[0];
  },

  async findWithPeople(db: Db, id: number): Promise<TicketWithPeople | undefined> {
    const [row] = await selectWithPeople(db).where(eq(tickets.id, id));
    return row;
  },

  async update(db: Db, id: number, changes: TicketChanges): Promise<void> {
    await db
      .update(tickets)
      .set({ ...changes, ...ticketActivity() })
      .where(eq(tickets.id, id));
  },

  /** Marks activity on the ticket (a new message) and optionally moves its status. */
  async touch(db: Db, id: number, status?: TicketStatus): Promise<void> {
    await db
      .update(tickets)
      .set({ ...ticketActivity(), ...(status ? { status } : {}) })
      .where(eq(tickets.id, id));
  },

  /**
   * Keyset pagination on (created_at, id): each filter combination has an index with that suffix
   * (see schema.ts), so a page costs the same at a thousand tickets or a million. Prepared once per shape
   * (which filters, which order, first page or not) on `db`.
   */
  prepareList(db: Db): (filter: TicketListFilter) => Promise<TicketWithPeople[]> {
    const statementFor = preparedByShape('tickets_page', (shape: ListShape, name) => {
      const [reader, status, order, after] = shape;
      const rows = Number(shape.slice(4));
      const position = sql`(${tickets.createdAt}, ${tickets.id})`;
      const afterValue = sql`(${sql.placeholder('afterAt')}::timestamptz, ${sql.placeholder('afterId')})`;
      const direction = order === 'a' ? asc : desc;
      return selectWithPeople(db)
        .where(
          and(
            status === 's' ? eq(tickets.status, sql.placeholder('status')) : undefined,
            callerStands(db, reader === 'o'),
            reader === 'c' ? eq(tickets.creatorId, sql.placeholder('callerId')) : undefined,
            after === 'k' ? (order === 'a' ? gt(position, afterValue) : lt(position, afterValue)) : undefined,
          ),
        )
        .orderBy(orderAndLimit([direction(tickets.createdAt), direction(tickets.id)], rows))
        .prepare(name);
    });
    return ({ reader, status, order, after, limit }) => {
      const shape: ListShape = `${reader.staff ? 'o' : 'c'}${status ? 's' : '_'}${order === 'asc' ? 'a' : 'd'}${after ? 'k' : '_'}${rowBucket(limit)}`;
      return statementFor(shape).execute({
        ...callerParams(reader),
        status,
        afterAt: after?.createdAt.toISOString(),
        afterId: after?.id,
      });
    };
  },
};
