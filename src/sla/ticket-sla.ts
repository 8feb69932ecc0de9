import type { Db } from '../db/client.js';
import type { SlaPolicyRow, TicketPriority, TicketRow } from '../db/schema.js';
import { eventRepository as events } from '../events/event-repository.js';
import { addBusinessMinutes } from './business-hours.js';
import { slaPolicyRepository as policies } from './sla-policy-repository.js';
import { breachedOf } from './sla-schemas.js';
import { type SlaClock, type SlaValues, ticketSlaRepository as slaRows } from './ticket-sla-repository.js';

/**
 * A ticket's SLA, kept in its row (schema.ts): due times computed here (business hours need Intl, so in
 * code) in the transaction of the change that moves them, and breaches noticed by the minute sweep.
 */

/**
 * Recomputes ticket `id`'s due times from its policy (its priority's, else the any-priority one): on
 * creation, a change of priority, a reopening (`restartResolution`: the resolution clock starts again now
 * and its breach is forgotten — a new clock, a new target). A breach stays recorded while the target it
 * missed is still missed under the new due time; none when the new one lies ahead.
 */
export async function refreshTicketSla(
  db: Db,
  id: number,
  options: { restartResolution?: boolean } = {},
): Promise<SlaValues | undefined> {
  const clock = await slaRows.clockOf(db, id);
  if (!clock) return undefined;
  const values = slaValues(clock, await policies.forPriority(db, clock.priority), options);
  await slaRows.write(db, id, values);
  return values;
}

/**
 * The policy a new ticket of `priority` runs under, looked up before it is written: a desk without one
 * opens its tickets in one statement, with no transaction and nothing more to write.
 */
export function slaPolicyFor(db: Db, priority: TicketPriority): Promise<SlaPolicyRow | undefined> {
  return policies.forPriority(db, priority);
}

/**
 * The due times of a ticket just inserted under `policy`, written in the insert's transaction: the row
 * itself is the clock (its `created_at` is the transaction's `now()`), so nothing is read again.
 */
export async function startTicketSla(db: Db, ticket: TicketRow, policy: SlaPolicyRow): Promise<SlaValues> {
  const values = slaValues({ ...ticket, now: ticket.createdAt }, policy, {});
  await slaRows.write(db, ticket.id, values);
  return values;
}

/** The SLA columns for a ticket at `clock` under `policy` (none: no targets). */
function slaValues(clock: SlaClock, policy: SlaPolicyRow | undefined, options: { restartResolution?: boolean }) {
  const resolutionStartedAt = options.restartResolution ? clock.now : (clock.slaResolutionStartedAt ?? clock.createdAt);
  if (!policy) {
    return {
      slaPolicyId: null,
      slaFirstResponseDueAt: null,
      slaResolutionStartedAt: resolutionStartedAt,
      slaResolutionDueAt: null,
      slaFirstResponseBreachedAt: null,
      slaResolutionBreachedAt: null,
    } satisfies SlaValues;
  }
  const hours = policy.businessHours;
  const firstDue = addBusinessMinutes(clock.createdAt, policy.firstResponseMinutes, hours);
  const resolutionDue = addBusinessMinutes(resolutionStartedAt, policy.resolutionMinutes, hours);
  const stillMissed = (due: Date, at: Date | null) => (at && due <= clock.now ? at : null);
  return {
    slaPolicyId: policy.id,
    slaFirstResponseDueAt: firstDue,
    slaResolutionStartedAt: resolutionStartedAt,
    slaResolutionDueAt: resolutionDue,
    slaFirstResponseBreachedAt: stillMissed(firstDue, clock.slaFirstResponseBreachedAt),
    slaResolutionBreachedAt: options.restartResolution
      ? null
      : stillMissed(resolutionDue, clock.slaResolutionBreachedAt),
  } satisfies SlaValues;
}

/** Tickets whose breaches one sweep records at most (a backlog is worked through a minute at a time). */
const SWEEP_BATCH = 500;

/**
 * The minute sweep: every newly late target is recorded with its `sla.breached` event in one transaction.
 * Changes: `{"breached": {"from": [...], "to": [...]}}` (the targets missed before and after). Several
 * workers may sweep at once: the conditional UPDATE lets each breach be noticed by one of them only.
 * Returns the number of tickets with a new breach.
 */
export async function sweepSlaBreaches(db: Db): Promise<number> {
  return db.transaction(async (tx) => {
    const noticed = await slaRows.sweepBreaches(tx, SWEEP_BATCH);
    await events.insert(
      tx,
      noticed.map((row) => {
        const isNew = (at: Date | null) => at !== null && at.getTime() === row.now.getTime();
        const to = breachedOf({
          slaFirstResponseBreachedAt: row.firstResponseBreachedAt,
          slaResolutionBreachedAt: row.resolutionBreachedAt,
        });
        const from = breachedOf({
          slaFirstResponseBreachedAt: isNew(row.firstResponseBreachedAt) ? null : row.firstResponseBreachedAt,
          slaResolutionBreachedAt: isNew(row.resolutionBreachedAt) ? null : row.resolutionBreachedAt,
        });
        return { ticketId: row.id, type: 'sla.breached' as const, actorId: null, changes: { breached: { from, to } } };
      }),
    );
    return noticed.length;
  });
}
