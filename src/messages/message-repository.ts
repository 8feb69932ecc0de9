import { and, asc, eq, exists, gt, sql } from 'drizzle-orm';
import { type CheckedCaller, callerParams, callerStands } from '../auth/caller.js';
import type { Db } from '../db/client.js';
import { insertFromSelect } from '../db/insert-from-select.js';
import { orderAndLimit, preparedByShape, rowBucket } from '../db/prepared.js';
import { attachments, type MessageRow, messageChannel, messages, tickets, users } from '../db/schema.js';
import type { Cursor } from '../lib/cursor.js';
import { ticketActivity } from '../tickets/ticket-repository.js';
import { type PublicUserRow, publicUserColumns } from '../users/user-repository.js';

export interface MessageWithAuthor {
  message: MessageRow;
  author: PublicUserRow;
}

/** A listed message says whether files came with it, so a page without any skips the attachments query. */
export interface ListedMessage extends MessageWithAuthor {
  hasAttachments: boolean;
}

export interface MessagePageOptions {
  ticketId: number;
  /**
   * Staff read every message of every ticket; a customer, the public ones of their own tickets. The
   * statement also checks the caller (see auth/caller.ts).
   */
  reader: CheckedCaller;
  after?: Cursor;
  /** Rows wanted; up to the next `rowBucket` may come back (the caller slices its page). */
  limit: number;
}

/** Operator or customer reading; after a cursor or the first page; how many rows (a `rowBucket`). */
type PageShape = `${'o' | 'c'}${'k' | '_'}${number}`;

export interface NewApiMessage {
  ticketId: number;
  /**
   * Staff write on every ticket; a customer, on their own (which their message reopens if closed). The
   * statement also checks the caller (see auth/caller.ts).
   */
  author: CheckedCaller;
  text: string;
  internal: boolean;
  idempotencyKey: string | null;
}

export type NewMessage = Pick<MessageRow, 'ticketId' | 'authorId' | 'text' | 'internal' | 'channel'> & {
  idempotencyKey?: string | null;
};

export const messageRepository = {
  async insert(db: Db, message: NewMessage): Promise<MessageRow> {
    const [row] = await db.insert(messages).values(message).returning();
    return row as MessageRow;
  },

  /**
   * A message on a ticket, in one statement: the ticket row is updated first (which locks it, marks the
   * activity and reopens a customer's closed ticket), and the message is inserted only if that update
   * found a ticket the author may write on (and the author may act, see auth/caller.ts). Nothing back:
   * no such ticket, not theirs, or not a caller who may act as guessed. Prepared on `db`, one statement per
   * kind of author. Used when the answer sends no email (see MessageService).
   */
  prepareInsertAndTouch(db: Db): (message: NewApiMessage) => Promise<MessageWithAuthor | undefined> {
    const statementFor = preparedByShape('message_insert', (author: 'o' | 'c', name) => {
      const writable = db.$with('writable').as(
        db
          .update(tickets)
          .set({
            ...ticketActivity(),
            // A customer writing on their closed ticket means the problem is back.
            ...(author === 'c'
              ? { status: sql`case when ${tickets.status} = 'closed' then 'open' else ${tickets.status} end` }
              : {}),
          })
          .where(
            and(
              eq(tickets.id, sql.placeholder('ticketId')),
              callerStands(db, author === 'o'),
              author === 'c' ? eq(tickets.creatorId, sql.placeholder('callerId')) : undefined,
            ),
          )
          .returning({ id: tickets.id }),
      );
      const inserted = insertFromSelect(
        db,
        messages,
        [
          messages.ticketId,
          messages.authorId,
          messages.text,
          messages.internal,
          messages.channel,
          messages.idempotencyKey,
        ],
        sql`select ${writable.id}, ${sql.placeholder('callerId')}::integer, ${sql.placeholder('text')}::text,
          ${sql.placeholder('internal')}::boolean, ${sql.placeholder('channel')}::${sql.identifier(messageChannel.enumName)},
          ${sql.placeholder('idempotencyKey')}::varchar
        from ${writable}`,
      );
      const { id, ticketId, authorId, text, internal, channel, idempotencyKey, createdAt } = inserted;
      return db
        .with(writable, inserted)
        .select({
          message: { id, ticketId, authorId, text, internal, channel, idempotencyKey, createdAt },
          author: publicUserColumns(users),
        })
        .from(inserted)
        .innerJoin(users, eq(users.id, inserted.authorId))
        .prepare(name);
    });
    return async ({ author, ...message }) =>
      (
        await statementFor(author.staff ? 'o' : 'c').execute({ ...message, ...callerParams(author), channel: 'api' })
      )[0];
  },

  async findByIdempotencyKey(db: Db, key: string): Promise<MessageRow | undefined> {
    const [row] = await db.select().from(messages).where(eq(messages.idempotencyKey, key));
    return row;
  },

  /**
   * Oldest first, as a conversation reads; keyset on (created_at, id) within the ticket. Prepared once per
   * shape on `db`. A customer's page carries its own access check (their ticket, no internal notes), so a
   * page with rows needs no separate look at the ticket; an empty one does not say why it is empty.
   */
  prepareListForTicket(db: Db): (options: MessagePageOptions) => Promise<ListedMessage[]> {
    const statementFor = preparedByShape('messages_page', (shape: PageShape, name) => {
      const [reader, after] = shape;
      const rows = Number(shape.slice(2));
      const ownTicket = db
        .select({ id: tickets.id })
        .from(tickets)
        .where(and(eq(tickets.id, sql.placeholder('ticketId')), eq(tickets.creatorId, sql.placeholder('callerId'))));
      return db
        .select({
          message: messages,
          author: publicUserColumns(users),
          hasAttachments: sql<boolean>`exists (select 1 from ${attachments} where ${attachments.messageId} = ${messages.id})`,
        })
        .from(messages)
        .innerJoin(users, eq(users.id, messages.authorId))
        .where(
          and(
            eq(messages.ticketId, sql.placeholder('ticketId')),
            callerStands(db, reader === 'o'),
            reader === 'c' ? and(eq(messages.internal, false), exists(ownTicket)) : undefined,
            after === 'k'
              ? gt(
                  sql`(${messages.createdAt}, ${messages.id})`,
                  sql`(${sql.placeholder('afterAt')}::timestamptz, ${sql.placeholder('afterId')})`,
                )
              : undefined,
          ),
        )
        .orderBy(orderAndLimit([asc(messages.createdAt), asc(messages.id)], rows))
        .prepare(name);
    });
    return ({ ticketId, reader, after, limit }) =>
      statementFor(`${reader.staff ? 'o' : 'c'}${after ? 'k' : '_'}${rowBucket(limit)}`).execute({
        ticketId,
        ...callerParams(reader),
        afterAt: after?.createdAt.toISOString(),
        afterId: after?.id,
      });
  },
};
