import { and, asc, desc, eq, gt, inArray, sql } from 'drizzle-orm';
import type { Caller, Standing } from '../access/caller.js';
import { callerActs, callerParams, messageVisibleTo, ticketIdOpenTo, ticketOpenTo } from '../access/ticket-access.js';
import type { Db } from '../db/client.js';
import { insertFromSelect } from '../db/insert-from-select.js';
import { orderAndLimit, preparedByShape, rowBucket } from '../db/prepared.js';
import {
  attachments,
  type MessageRow,
  messageChannel,
  messageColumns,
  messages,
  type TicketRow,
  type TicketStatus,
  tickets,
  users,
} from '../db/schema.js';
import { eventRequestId, eventsFromSelect, eventType } from '../events/event-repository.js';
import type { Cursor } from '../lib/cursor.js';
import { statusAfterMessage, ticketActivity } from '../tickets/ticket-repository.js';
import { type PublicUserRow, publicUserColumns } from '../users/user-repository.js';

export interface MessageWithAuthor {
  message: MessageRow;
  author: PublicUserRow;
}

/** A written message, and what its ticket is now (the channel that wrote it may need to say so). */
export interface PostedMessage extends MessageWithAuthor {
  ticket: Pick<TicketRow, 'id' | 'subject' | 'status' | 'creatorId' | 'channel'> & { previousStatus: TicketStatus };
}

/** A listed message says whether files came with it, so a page without any skips the attachments query. */
export interface ListedMessage extends MessageWithAuthor {
  hasAttachments: boolean;
}

/**
 * Who the statement lets write: staff on any ticket, a customer on their own (ticket-access.ts), or, for a
 * channel that decided itself which ticket the author may write on (a mail threaded by its headers), any
 * ticket — the author's account is still checked.
 */
export type Writer = Standing | 'channel';

export type NewMessage = Pick<MessageRow, 'text' | 'internal' | 'channel'> & { idempotencyKey?: string | null };

/** Operator or customer reading; after a cursor or the first page; how many rows (a `rowBucket`). */
type PageShape = `${'o' | 'c'}${'k' | '_'}${number}`;

const writerShape = { staff: 'o', customer: 'c', channel: 'm' } as const;

/**
 * What a message does to its ticket's SLA (src/sla): the first public answer by staff through the API is its
 * first response (a mail with a staff From is dropped before it gets here, mail-to-ticket.ts; the role check
 * of the `channel` writer only keeps a channel from ever counting a customer's words); a reopening by the
 * creator's message restarts the resolution clock — its due time is left empty here and computed right after
 * (sla/ticket-sla.ts), since business hours are counted in code.
 */
function slaAfterMessage(db: Db, writer: Writer) {
  const internal = sql`${sql.placeholder('internal')}::boolean`;
  const byStaff =
    writer === 'staff'
      ? sql`true`
      : writer === 'customer'
        ? sql`false`
        : sql`exists (${db
            .select({ one: sql`1` })
            .from(users)
            .where(and(eq(users.id, sql.placeholder('callerId')), inArray(users.role, ['operator', 'admin'])))})`;
  const answered = sql`case when ${tickets.slaFirstRespondedAt} is null and not ${internal} and ${byStaff}
    then now() else ${tickets.slaFirstRespondedAt} end`;
  if (writer === 'staff') return { slaFirstRespondedAt: answered };
  const reopens = sql`${tickets.status} = 'closed' and ${tickets.creatorId} = ${sql.placeholder('callerId')}`;
  return {
    slaFirstRespondedAt: answered,
    slaResolutionStartedAt: sql`case when ${reopens} then now() else ${tickets.slaResolutionStartedAt} end`,
    slaResolutionDueAt: sql`case when ${reopens} then null else ${tickets.slaResolutionDueAt} end`,
    slaResolutionBreachedAt: sql`case when ${reopens} then null else ${tickets.slaResolutionBreachedAt} end`,
  };
}

/**
 * The ticket a message goes onto, locked and read first (`prior`: its status before), then updated
 * (`writable`): that marks the activity and applies what a message does to its status. Only a ticket this
 * writer may write on is found.
 */
function ticketTouchedBy(db: Db, writer: Writer) {
  const standing = writer === 'channel' ? undefined : writer;
  const prior = db.$with('prior').as(
    db
      .select({ id: tickets.id, status: tickets.status })
      .from(tickets)
      .where(
        and(
          eq(tickets.id, sql.placeholder('ticketId')),
          callerActs(db, standing),
          standing ? ticketOpenTo(db, standing) : undefined,
        ),
      )
      .for('update'),
  );
  const writable = db.$with('writable').as(
    db
      .update(tickets)
      .set({
        ...ticketActivity(),
        ...statusAfterMessage(writer !== 'staff', sql.placeholder('callerId')),
        ...slaAfterMessage(db, writer),
      })
      .from(prior)
      .where(eq(tickets.id, prior.id))
      .returning({
        id: tickets.id,
        subject: tickets.subject,
        status: tickets.status,
        previousStatus: sql<TicketStatus>`${prior.status}`.as('previous_status'),
        creatorId: tickets.creatorId,
        channel: tickets.channel,
      }),
  );
  return { prior, writable };
}

/**
 * One statement: the ticket (`ticketTouchedBy`), the message only if that found a ticket this author may
 * write on, and its event — and a reopening's — recorded with it.
 */
const postStatement = preparedByShape('message_post', (db, shape: 'o' | 'c' | 'm', name) => {
  const writer: Writer = shape === 'o' ? 'staff' : shape === 'c' ? 'customer' : 'channel';
  const { prior, writable } = ticketTouchedBy(db, writer);
  const inserted = insertFromSelect(
    db,
    messages,
    [messages.ticketId, messages.authorId, messages.text, messages.internal, messages.channel, messages.idempotencyKey],
    sql`select ${writable.id}, ${sql.placeholder('callerId')}::integer, ${sql.placeholder('text')}::text,
      ${sql.placeholder('internal')}::boolean, ${sql.placeholder('channel')}::${sql.identifier(messageChannel.enumName)},
      ${sql.placeholder('idempotencyKey')}::varchar
    from ${writable}`,
  );
  const recorded = eventsFromSelect(
    db,
    'message_events',
    sql`select ${inserted.ticketId}, ${eventType(sql`case when ${inserted.internal} then 'note.created' else 'message.created' end`)},
      ${inserted.authorId}, ${inserted.id}, '{}'::jsonb
    from ${inserted}
    union all
    select ${writable.id}, ${eventType('ticket.updated')}, ${sql.placeholder('callerId')}::integer, null::integer,
      jsonb_build_object('status', jsonb_build_object('from', ${writable.previousStatus}, 'to', ${writable.status}))
    from ${writable} where ${writable.previousStatus} <> ${writable.status} and exists (select 1 from ${inserted})`,
  );
  const { id, ticketId, authorId, text, internal, channel, idempotencyKey, createdAt } = inserted;
  return db
    .with(prior, writable, inserted, recorded)
    .select({
      message: { id, ticketId, authorId, text, internal, channel, idempotencyKey, createdAt },
      author: publicUserColumns(users),
      ticket: {
        id: writable.id,
        subject: writable.subject,
        status: writable.status,
        creatorId: writable.creatorId,
        channel: writable.channel,
        previousStatus: writable.previousStatus,
      },
    })
    .from(inserted)
    .innerJoin(users, eq(users.id, inserted.authorId))
    .innerJoin(writable, eq(writable.id, inserted.ticketId))
    .prepare(name);
});

const pageStatement = preparedByShape('messages_page', (db, shape: PageShape, name) => {
  const [reader, after] = shape;
  const as: Standing = reader === 'o' ? 'staff' : 'customer';
  return db
    .select({
      message: messageColumns,
      author: publicUserColumns(users),
      hasAttachments: sql<boolean>`exists (select 1 from ${attachments} where ${attachments.messageId} = ${messages.id})`,
    })
    .from(messages)
    .innerJoin(users, eq(users.id, messages.authorId))
    .where(
      and(
        eq(messages.ticketId, sql.placeholder('ticketId')),
        callerActs(db, as),
        messageVisibleTo(as),
        ticketIdOpenTo(db, as, sql.placeholder('ticketId')),
        after === 'k'
          ? gt(
              sql`(${messages.createdAt}, ${messages.id})`,
              sql`(${sql.placeholder('afterAt')}::timestamptz, ${sql.placeholder('afterId')})`,
            )
          : undefined,
      ),
    )
    .orderBy(orderAndLimit([asc(messages.createdAt), asc(messages.id)], Number(shape.slice(2))))
    .prepare(name);
});

export const messageRepository = {
  /** When the `n`-th newest message `authorId` wrote within `windowMs` was written; none: fewer than `n`. */
  async nthNewestSince(db: Db, authorId: number, n: number, windowMs: number): Promise<Date | undefined> {
    const [row] = await db
      .select({ createdAt: messages.createdAt })
      .from(messages)
      .where(
        and(
          eq(messages.authorId, authorId),
          gt(messages.createdAt, sql`now() - ${`${windowMs} milliseconds`}::interval`),
        ),
      )
      .orderBy(desc(messages.createdAt))
      .offset(n - 1)
      .limit(1);
    return row?.createdAt;
  },

  /** A message as it is, with no rule applied: for data written outside the use cases (test fixtures, imports). */
  async insert(
    db: Db,
    message: NewMessage & Pick<MessageRow, 'ticketId' | 'authorId'> & Partial<Pick<MessageRow, 'createdAt'>>,
  ): Promise<MessageRow> {
    const [row] = await db.insert(messages).values(message).returning(messageColumns);
    return row as MessageRow;
  },

  /**
   * A message on a ticket, in one statement (see `postStatement`). Nothing back: no such ticket, not one this
   * writer may write on, or an author who may not act (as `writer`).
   */
  async post(
    db: Db,
    author: Caller,
    writer: Writer,
    ticketId: number,
    message: NewMessage,
  ): Promise<PostedMessage | undefined> {
    const [row] = await postStatement(db, writerShape[writer]).execute({
      ...message,
      ticketId,
      ...callerParams(author),
      requestId: eventRequestId(),
    });
    return row;
  },

  /** A merge: every message of ticket `from` (notes too) joins `to`, keeping its time, so it reads in order. */
  async moveToTicket(db: Db, from: number, to: number): Promise<void> {
    await db.update(messages).set({ ticketId: to }).where(eq(messages.ticketId, from));
  },

  async findByIdempotencyKey(db: Db, key: string): Promise<MessageRow | undefined> {
    const [row] = await db.select(messageColumns).from(messages).where(eq(messages.idempotencyKey, key));
    return row;
  },

  /**
   * Oldest first, as a conversation reads; keyset on (created_at, id) within the ticket, in one statement
   * that checks the caller as `as` and what they may read (their ticket, no internal notes for customers):
   * a page with rows needs no separate look at the ticket; an empty one does not say why it is empty.
   */
  async pageAs(
    db: Db,
    caller: Caller,
    as: Standing,
    page: { ticketId: number; after?: Cursor; limit: number },
  ): Promise<ListedMessage[]> {
    const shape: PageShape = `${as === 'staff' ? 'o' : 'c'}${page.after ? 'k' : '_'}${rowBucket(page.limit)}`;
    return pageStatement(db, shape).execute({
      ticketId: page.ticketId,
      ...callerParams(caller),
      afterAt: page.after?.createdAt.toISOString(),
      afterId: page.after?.id,
    });
  },
};
