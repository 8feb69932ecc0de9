import { and, asc, eq, gt, lte, notInArray, or, type Placeholder, type SQL, sql } from 'drizzle-orm';
import type { Caller, Standing } from '../access/caller.js';
import { callerActs, callerParams, ticketIdOpenTo } from '../access/ticket-access.js';
import type { Db } from '../db/client.js';
import { insertFromSelect } from '../db/insert-from-select.js';
import { orderAndLimit, preparedByShape, rowBucket } from '../db/prepared.js';
import { type TicketEventChanges, type TicketEventType, ticketEvents, ticketEventType, users } from '../db/schema.js';
import { currentRequestId } from '../lib/request-context.js';
import { type PublicUserRow, publicUserColumns } from '../users/user-repository.js';

export interface NewTicketEvent {
  ticketId: number;
  type: TicketEventType;
  /** Null: the system did it. */
  actorId: number | null;
  changes?: TicketEventChanges;
  messageId?: number | null;
}

export interface EventWithActor {
  event: {
    id: number;
    type: TicketEventType;
    changes: TicketEventChanges;
    messageId: number | null;
    createdAt: Date;
  };
  actor: PublicUserRow | null;
}

/** Fields of a ticket's history a customer is not shown: how staff sort the work (groups, tags). */
const STAFF_ONLY_FIELDS = ['group_id', 'tags'];

/** `changes` as the reader sees it: customers without the staff-only fields. */
function changesFor(as: Standing): SQL {
  if (as === 'staff') return sql`${ticketEvents.changes}`;
  return sql`${ticketEvents.changes} ${sql.raw(STAFF_ONLY_FIELDS.map((field) => `- '${field}'`).join(' '))}`;
}

/**
 * For a statement that records its own event (a ticket opened, a message posted): a CTE that inserts the
 * rows `select` gives as (ticket_id, type, actor_id, message_id, changes), each value cast.
 */
export function eventsFromSelect<N extends string>(db: Db, name: N, select: SQL) {
  const { ticketId, type, actorId, messageId, changes, requestId } = ticketEvents;
  // The statement's caller passes `requestId` (`eventRequestId()`), a placeholder: these statements are prepared.
  const withRequest = sql`select e.*, ${sql.placeholder('requestId')}::text from (${select}) e`;
  return insertFromSelect(
    db,
    ticketEvents,
    [ticketId, type, actorId, messageId, changes, requestId],
    withRequest,
    name,
  );
}

/** The `requestId` of the events a statement records: the request being answered, if any. */
export const eventRequestId = (): string | null => currentRequestId() ?? null;

/** SQL casting a text to an event type, for `eventsFromSelect`. */
export const eventType = (type: SQL | TicketEventType) =>
  typeof type === 'string'
    ? sql`${type}::${sql.identifier(ticketEventType.enumName)}`
    : sql`(${type})::${sql.identifier(ticketEventType.enumName)}`;

/** An event row as a reader as `as` sees it: its `changes` filtered (`changesFor`), with its actor. */
function selectEvents(db: Db, as: Standing) {
  return db
    .select({
      event: {
        id: ticketEvents.id,
        type: ticketEvents.type,
        changes: sql<TicketEventChanges>`${changesFor(as)}`,
        messageId: ticketEvents.messageId,
        createdAt: ticketEvents.createdAt,
      },
      actor: publicUserColumns(users),
      ticketId: ticketEvents.ticketId,
    })
    .from(ticketEvents)
    .leftJoin(users, eq(users.id, ticketEvents.actorId));
}

/**
 * Which events a reader as `as` sees, in SQL, for every statement that reads the history (one ticket's page,
 * the live feed across tickets): staff all; customers those of tickets open to them (the caller is checked:
 * placeholders of `callerParams`), never `note.created` nor `sla.breached`, and no update left empty once `changesFor` removed
 * the staff-only fields.
 */
function eventsVisibleTo(db: Db, as: Standing, ticketId: SQL | Placeholder): SQL | undefined {
  if (as === 'staff') return undefined;
  return and(
    callerActs(db, as),
    ticketIdOpenTo(db, as, ticketId),
    // Internal notes, and SLA breaches (targets are staff's measure of themselves: see toTicketView).
    notInArray(ticketEvents.type, ['note.created', 'sla.breached']),
    sql`not (${ticketEvents.type} = 'ticket.updated' and ${changesFor(as)} = '{}'::jsonb)`,
  );
}

/** Staff or customer reading; after a cursor or the first page; how many rows (a `rowBucket`). */
type PageShape = `${'o' | 'c'}${'k' | '_'}${number}`;

const pageStatement = preparedByShape('ticket_events_page', (db, shape: PageShape, name) => {
  const [reader, after] = shape;
  const as: Standing = reader === 'o' ? 'staff' : 'customer';
  return selectEvents(db, as)
    .where(
      and(
        eq(ticketEvents.ticketId, sql.placeholder('ticketId')),
        // Staff pages check their caller too (feeds of staff are checked by whoever reads them, see feedAs).
        as === 'staff' ? callerActs(db, as) : undefined,
        eventsVisibleTo(db, as, sql.placeholder('ticketId')),
        after === 'k' ? gt(ticketEvents.id, sql.placeholder('afterId')) : undefined,
      ),
    )
    .orderBy(orderAndLimit([asc(ticketEvents.id)], Number(shape.slice(2))))
    .prepare(name);
});

/** Events across tickets, for live streams (src/live): staff or customer; how many rows. */
type FeedShape = `${'o' | 'c'}${number}`;

const feedStatement = preparedByShape('ticket_events_feed', (db, shape: FeedShape, name) => {
  const as: Standing = shape[0] === 'o' ? 'staff' : 'customer';
  return selectEvents(db, as)
    .where(
      and(
        // After a position, or one of the ids a reader found missing below it (transactions commit out of
        // order: see src/live/live-hub.ts), and no further than `upToId`.
        or(
          gt(ticketEvents.id, sql.placeholder('afterId')),
          sql`${ticketEvents.id} = any(${sql.placeholder('alsoIds')}::bigint[])`,
        ),
        lte(ticketEvents.id, sql.placeholder('upToId')),
        eventsVisibleTo(db, as, sql`${ticketEvents.ticketId}`),
      ),
    )
    .orderBy(orderAndLimit([asc(ticketEvents.id)], Number(shape.slice(1))))
    .prepare(name);
});

/** A position in the feed: after `afterId`, plus ids below it still missing, up to `upToId` included. */
export interface FeedWindow {
  afterId: number;
  alsoIds?: number[];
  upToId?: number;
  limit: number;
}

export type FeedEvent = EventWithActor & { ticketId: number };

export const eventRepository = {
  /**
   * Events recorded with the change they describe: `db` is the change's transaction (or the change is one
   * statement that writes its event itself, see the ticket and message repositories).
   */
  async insert(db: Db, events: NewTicketEvent[]): Promise<void> {
    if (events.length === 0) return;
    await db.insert(ticketEvents).values(
      events.map((event) => ({
        ticketId: event.ticketId,
        type: event.type,
        actorId: event.actorId,
        changes: event.changes ?? {},
        messageId: event.messageId ?? null,
        requestId: eventRequestId(),
      })),
    );
  },

  /**
   * A ticket's history, oldest first, keyset on the id (global and increasing), in one statement that checks
   * the caller as `as` and that the ticket is open to them (as the message page does): a page with rows
   * needs no separate look at the ticket. Customers do not see internal notes being written, nor changes of
   * group and tags: an update that changed only those is not listed (filtered here, so pages keep their size).
   */
  async pageAs(
    db: Db,
    caller: Caller,
    as: Standing,
    page: { ticketId: number; afterId?: number; limit: number },
  ): Promise<EventWithActor[]> {
    const shape: PageShape = `${as === 'staff' ? 'o' : 'c'}${page.afterId === undefined ? '_' : 'k'}${rowBucket(page.limit)}`;
    return pageStatement(db, shape).execute({
      ticketId: page.ticketId,
      afterId: page.afterId,
      ...callerParams(caller),
    });
  },

  /**
   * Events across tickets, oldest first, as the live streams send them. A customer's feed checks the caller
   * (`caller` required) and applies the same rule as the ticket's history page (`eventsVisibleTo`). The
   * staff feed checks no one: it is read once and shared by every operator's stream, whose accounts the
   * stream checks itself (on opening, then periodically).
   */
  async feedAs(db: Db, as: Standing, caller: Caller | undefined, window: FeedWindow): Promise<FeedEvent[]> {
    const shape: FeedShape = `${as === 'staff' ? 'o' : 'c'}${rowBucket(window.limit)}`;
    if (as === 'customer' && !caller) throw new Error('a customer feed needs its caller');
    return feedStatement(db, shape).execute({
      afterId: window.afterId,
      alsoIds: `{${(window.alsoIds ?? []).join(',')}}`,
      upToId: window.upToId ?? Number.MAX_SAFE_INTEGER,
      ...(caller ? callerParams(caller) : {}),
    });
  },

  /** The newest event's id (0: none yet). */
  async newestId(db: Db): Promise<number> {
    const [row] = await db.select({ id: sql<string | null>`max(${ticketEvents.id})` }).from(ticketEvents);
    return Number(row?.id ?? 0);
  },
};
