import { aliasedTable, and, asc, desc, eq, gt, lt, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { preparedByShape } from '../db/prepared.js';
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
  status?: TicketStatus;
  creatorId?: number;
  order: 'asc' | 'desc';
  after?: Cursor;
  limit: number;
}

/** Which parts a list query has: status filter, creator filter, ascending or descending, after a cursor. */
type ListShape = `${'s' | '_'}${'c' | '_'}${'a' | 'd'}${'k' | '_'}`;

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
  /** `insert`, prepared on `db`: opening a ticket by API is one statement, parsed once per connection. */
  prepareInsert(db: Db): (ticket: NewTicket) => Promise<TicketRow> {
    const statement = db
      .insert(tickets)
      .values({
        subject: sql.placeholder('subject'),
        description: sql.placeholder('description'),
        creatorId: sql.placeholder('creatorId'),
        idempotencyKey: sql.placeholder('idempotencyKey'),
      })
      .returning()
      .prepare('ticket_insert');
    return async (ticket) => (await statement.execute({ idempotencyKey: null, ...ticket }))[0] as TicketRow;
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
   * `findWithPeople` built once and prepared on `db` (not a transaction): the read path of GET
   * /tickets/{id} then skips the query builder and PostgreSQL's parsing on every request.
   */
  prepareFindWithPeople(db: Db): (id: number) => Promise<TicketWithPeople | undefined> {
    const query = selectWithPeople(db)
      .where(eq(tickets.id, sql.placeholder('id')))
      .prepare('ticket_with_people_by_id');
    return async (id) => (await query.execute({ id }))[0];
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
      const [status, creator, order, after] = shape;
      const position = sql`(${tickets.createdAt}, ${tickets.id})`;
      const afterValue = sql`(${sql.placeholder('afterAt')}::timestamptz, ${sql.placeholder('afterId')})`;
      const direction = order === 'a' ? asc : desc;
      return selectWithPeople(db)
        .where(
          and(
            status === 's' ? eq(tickets.status, sql.placeholder('status')) : undefined,
            creator === 'c' ? eq(tickets.creatorId, sql.placeholder('creatorId')) : undefined,
            after === 'k' ? (order === 'a' ? gt(position, afterValue) : lt(position, afterValue)) : undefined,
          ),
        )
        .orderBy(direction(tickets.createdAt), direction(tickets.id))
        .limit(sql.placeholder('limit'))
        .prepare(name);
    });
    return ({ status, creatorId, order, after, limit }) => {
      const shape: ListShape = `${status ? 's' : '_'}${creatorId !== undefined ? 'c' : '_'}${order === 'asc' ? 'a' : 'd'}${after ? 'k' : '_'}`;
      return statementFor(shape).execute({
        status,
        creatorId,
        afterAt: after?.createdAt.toISOString(),
        afterId: after?.id,
        limit,
      });
    };
  },
};
