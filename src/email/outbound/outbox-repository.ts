import { and, asc, desc, eq, inArray, isNull, lt, lte, or, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { pastCursor } from '../../db/keyset.js';
import { type OutboxRow, outbox } from '../../db/schema.js';
import type { Cursor } from '../../lib/cursor.js';
import { currentRequestId } from '../../lib/request-context.js';

export type NewOutboxRow = Pick<
  OutboxRow,
  | 'kind'
  | 'ticketId'
  | 'messageId'
  | 'toAddress'
  | 'toName'
  | 'subject'
  | 'bodyText'
  | 'headerMessageId'
  | 'inReplyTo'
  | 'references'
>;

export const outboxRepository = {
  /** The request being answered, if any, is recorded with the row (`request_id`). */
  async insert(db: Db, row: NewOutboxRow): Promise<OutboxRow> {
    const [created] = await db
      .insert(outbox)
      .values({ ...row, requestId: currentRequestId() ?? null })
      .returning();
    return created as OutboxRow;
  },

  async findById(db: Db, id: number): Promise<OutboxRow | undefined> {
    const [row] = await db.select().from(outbox).where(eq(outbox.id, id));
    return row;
  },

  /**
   * Claims a pending, due row for one sender for `leaseMs`. A single UPDATE, so two workers can never both
   * win; the lease (not a transaction held open during SMTP) keeps the database free while mail is sent.
   */
  async claim(db: Db, id: number, leaseMs: number): Promise<OutboxRow | undefined> {
    const [row] = await db
      .update(outbox)
      .set({ lockedUntil: sql`now() + ${`${leaseMs} milliseconds`}::interval` })
      .where(
        and(
          eq(outbox.id, id),
          eq(outbox.status, 'pending'),
          lte(outbox.nextAttemptAt, sql`now()`),
          or(isNull(outbox.lockedUntil), lt(outbox.lockedUntil, sql`now()`)),
        ),
      )
      .returning();
    return row;
  },

  /** `bodyText`: what to keep of the body once sent (mail that carried a secret keeps none of it). */
  async markSent(db: Db, id: number, bodyText?: string): Promise<void> {
    await db
      .update(outbox)
      .set({
        ...(bodyText !== undefined ? { bodyText } : {}),
        status: 'sent',
        sentAt: sql`now()`,
        attempts: sql`${outbox.attempts} + 1`,
        lockedUntil: null,
        lastError: null,
        updatedAt: sql`now()`,
      })
      .where(eq(outbox.id, id));
  },

  async markFailedAttempt(db: Db, id: number, error: string, retryInMs: number | null): Promise<void> {
    await db
      .update(outbox)
      .set({
        status: retryInMs === null ? 'failed' : 'pending',
        attempts: sql`${outbox.attempts} + 1`,
        lastError: error.slice(0, 2000),
        lockedUntil: null,
        nextAttemptAt: retryInMs === null ? sql`now()` : sql`now() + ${`${retryInMs} milliseconds`}::interval`,
        updatedAt: sql`now()`,
      })
      .where(eq(outbox.id, id));
  },

  /** Pending rows that are due and not claimed: the sweeper queues them (again). */
  async findDue(db: Db, limit: number): Promise<Pick<OutboxRow, 'id' | 'attempts'>[]> {
    return db
      .select({ id: outbox.id, attempts: outbox.attempts })
      .from(outbox)
      .where(
        and(
          eq(outbox.status, 'pending'),
          lte(outbox.nextAttemptAt, sql`now()`),
          or(isNull(outbox.lockedUntil), lt(outbox.lockedUntil, sql`now()`)),
        ),
      )
      .orderBy(asc(outbox.nextAttemptAt))
      .limit(limit);
  },

  /** An operator's "send again": back to pending, due now, attempts kept for the record. */
  async requeue(db: Db, id: number): Promise<OutboxRow | undefined> {
    const [row] = await db
      .update(outbox)
      .set({ status: 'pending', nextAttemptAt: sql`now()`, lockedUntil: null, updatedAt: sql`now()` })
      .where(and(eq(outbox.id, id), inArray(outbox.status, ['failed', 'pending'])))
      .returning();
    return row;
  },

  /** Pending rows and the age of the oldest in seconds (0 when none): the outbox gauges of /metrics. */
  async backlog(db: Db): Promise<{ backlog: number; oldestAgeSeconds: number }> {
    const [row] = await db
      .select({
        backlog: sql<number>`count(*)::int`,
        oldestAgeSeconds: sql<number>`coalesce(extract(epoch from now() - min(${outbox.createdAt})), 0)::float8`,
      })
      .from(outbox)
      .where(eq(outbox.status, 'pending'));
    return { backlog: row?.backlog ?? 0, oldestAgeSeconds: Number(row?.oldestAgeSeconds ?? 0) };
  },

  /** Acknowledgements sent (or waiting) within `sinceMs`, to `toAddress` or (undefined) to anyone. */
  async countRecentAutomatic(db: Db, toAddress: string | undefined, sinceMs: number): Promise<number> {
    const [row] = await db
      .select({ count: sql<number>`count(*)::int` })
      .from(outbox)
      .where(
        and(
          toAddress === undefined ? undefined : eq(outbox.toAddress, toAddress),
          eq(outbox.kind, 'acknowledgement'),
          sql`${outbox.createdAt} > now() - ${`${sinceMs} milliseconds`}::interval`,
        ),
      );
    return row?.count ?? 0;
  },

  /** Newest first, keyset on (created_at, id) (lib/cursor.ts). */
  async list(
    db: Db,
    options: { status?: OutboxRow['status']; ticketId?: number; before?: Cursor; limit: number },
  ): Promise<OutboxRow[]> {
    const { status, ticketId, before, limit } = options;
    return db
      .select()
      .from(outbox)
      .where(
        and(
          status ? eq(outbox.status, status) : undefined,
          ticketId !== undefined ? eq(outbox.ticketId, ticketId) : undefined,
          pastCursor(outbox, before, 'desc'),
        ),
      )
      .orderBy(desc(outbox.createdAt), desc(outbox.id))
      .limit(limit);
  },
};
