import { and, eq, isNotNull, isNull, lte, ne, or, type SQL, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { type TicketPriority, type TicketStatus, tickets } from '../db/schema.js';

/** What a ticket's SLA is computed from, and the clock of the transaction (the database's `now()`). */
export interface SlaClock {
  priority: TicketPriority;
  status: TicketStatus;
  createdAt: Date;
  slaResolutionStartedAt: Date | null;
  slaFirstResponseBreachedAt: Date | null;
  slaResolutionBreachedAt: Date | null;
  now: Date;
}

export interface SlaValues {
  slaPolicyId: number | null;
  slaFirstResponseDueAt: Date | null;
  slaResolutionStartedAt: Date | null;
  slaResolutionDueAt: Date | null;
  slaFirstResponseBreachedAt: Date | null;
  slaResolutionBreachedAt: Date | null;
}

/** A breach noticed by the sweep: the ticket, and the breach times after it (one of them new). */
export interface NoticedBreach {
  id: number;
  firstResponseBreachedAt: Date | null;
  resolutionBreachedAt: Date | null;
  /** The statement's clock: a breach time equal to it was noticed by this statement. */
  now: Date;
}

const nowMs = sql`now()`;

/** The first response is late: due, not answered, not noticed yet. On an open ticket (see `sweepBreaches`). */
const firstResponseLate: SQL = and(
  isNotNull(tickets.slaPolicyId),
  isNull(tickets.slaFirstRespondedAt),
  isNull(tickets.slaFirstResponseBreachedAt),
  lte(tickets.slaFirstResponseDueAt, nowMs),
) as SQL;
const resolutionLate: SQL = and(
  isNotNull(tickets.slaPolicyId),
  isNull(tickets.slaResolutionBreachedAt),
  lte(tickets.slaResolutionDueAt, nowMs),
) as SQL;

export const ticketSlaRepository = {
  async clockOf(db: Db, id: number): Promise<SlaClock | undefined> {
    const [row] = await db
      .select({
        priority: tickets.priority,
        status: tickets.status,
        createdAt: tickets.createdAt,
        slaResolutionStartedAt: tickets.slaResolutionStartedAt,
        slaFirstResponseBreachedAt: tickets.slaFirstResponseBreachedAt,
        slaResolutionBreachedAt: tickets.slaResolutionBreachedAt,
        now: sql<Date>`now()::timestamptz(3)`.mapWith((value: string | Date) => new Date(value)),
      })
      .from(tickets)
      .where(eq(tickets.id, id));
    return row;
  },

  /** Writes the SLA columns, in the transaction of the change that moved them (which moves the version on). */
  async write(db: Db, id: number, values: SlaValues): Promise<void> {
    await db.update(tickets).set(values).where(eq(tickets.id, id));
  },

  /**
   * Marks every late target of open tickets as breached, in one conditional UPDATE: a row is taken only
   * while its breach is not yet recorded, and a concurrent sweep waiting on the same row re-checks that
   * condition on the committed row (READ COMMITTED re-evaluates the WHERE), so a breach is noticed once.
   * `limit`: at most this many tickets per statement (the next sweep takes the rest).
   */
  async sweepBreaches(db: Db, limit: number): Promise<NoticedBreach[]> {
    const late = or(firstResponseLate, resolutionLate);
    const candidates = db
      .select({ id: tickets.id })
      .from(tickets)
      .where(and(ne(tickets.status, 'closed'), late))
      .limit(limit);
    return db
      .update(tickets)
      .set({
        slaFirstResponseBreachedAt: sql`case when ${firstResponseLate} then now() else ${tickets.slaFirstResponseBreachedAt} end`,
        slaResolutionBreachedAt: sql`case when ${resolutionLate} then now() else ${tickets.slaResolutionBreachedAt} end`,
        version: sql`${tickets.version} + 1`,
      })
      .where(and(sql`${tickets.id} in (${candidates})`, ne(tickets.status, 'closed'), late))
      .returning({
        id: tickets.id,
        firstResponseBreachedAt: tickets.slaFirstResponseBreachedAt,
        resolutionBreachedAt: tickets.slaResolutionBreachedAt,
        now: sql<Date>`now()::timestamptz(3)`.mapWith((value: string | Date) => new Date(value)),
      });
  },
};
