import { and, asc, eq, getTableColumns, isNull, lt, lte, or, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { ticketEvents, type WebhookDeliveryRow, type WebhookRow, webhookDeliveries, webhooks } from '../db/schema.js';
import type { AttemptVerdict } from './retry-policy.js';

/** What one attempt left to record: the receiver's status and answer, or why there was none. */
export interface AttemptRecord {
  statusCode: number | null;
  responseBody: string | null;
  verdict: AttemptVerdict;
}

const dueAndFree = and(
  eq(webhookDeliveries.status, 'pending'),
  lte(webhookDeliveries.nextAttemptAt, sql`now()`),
  or(isNull(webhookDeliveries.lockedUntil), lt(webhookDeliveries.lockedUntil, sql`now()`)),
);
const webhookEnabled = sql`exists (select 1 from ${webhooks} where ${webhooks.id} = ${webhookDeliveries.webhookId} and ${webhooks.enabled})`;

/** A claimed delivery, with the request id of the event it delivers (its cause, for the logs). */
export type ClaimedDelivery = WebhookDeliveryRow & { requestId: string | null };

/** The sender's statements (webhooks/webhook-sender.ts): claim, record, sweep. */
export const deliveryRepository = {
  /**
   * Claims a pending, due delivery of an enabled webhook for one sender for `leaseMs`. One UPDATE, so of
   * two workers only one wins; a lease (not a transaction held open during the request) keeps the database
   * free while the receiver answers, and a crashed sender's claim simply expires.
   */
  async claim(db: Db, id: number, leaseMs: number): Promise<ClaimedDelivery | undefined> {
    const [row] = await db
      .update(webhookDeliveries)
      .set({ lockedUntil: sql`now() + ${`${leaseMs} milliseconds`}::interval` })
      .where(and(eq(webhookDeliveries.id, id), dueAndFree, webhookEnabled))
      .returning({
        ...getTableColumns(webhookDeliveries),
        requestId: sql<
          string | null
        >`(select ${ticketEvents.requestId} from ${ticketEvents} where ${ticketEvents.id} = ${webhookDeliveries.eventId})`,
      });
    return row;
  },

  async findWebhook(db: Db, id: number): Promise<WebhookRow | undefined> {
    const [row] = await db.select().from(webhooks).where(eq(webhooks.id, id));
    return row;
  },

  /** The body every attempt of the delivery sends, fixed before the first one. */
  async savePayload(db: Db, id: number, payload: string): Promise<void> {
    await db.update(webhookDeliveries).set({ payload }).where(eq(webhookDeliveries.id, id));
  },

  async recordAttempt(db: Db, id: number, record: AttemptRecord): Promise<void> {
    const { verdict } = record;
    await db
      .update(webhookDeliveries)
      .set({
        status: verdict.kind === 'retry' ? 'pending' : verdict.kind,
        attempts: sql`${webhookDeliveries.attempts} + 1`,
        retryStep: verdict.kind === 'retry' ? sql`${webhookDeliveries.retryStep} + 1` : undefined,
        nextAttemptAt: verdict.kind === 'retry' ? sql`now() + ${`${verdict.inMs} milliseconds`}::interval` : undefined,
        lockedUntil: null,
        lastAttemptAt: sql`now()`,
        lastStatusCode: record.statusCode,
        lastError: verdict.kind === 'delivered' ? null : verdict.error.replaceAll('\0', '').slice(0, 2000),
        lastResponseBody: record.responseBody,
        deliveredAt: verdict.kind === 'delivered' ? sql`now()` : undefined,
        updatedAt: sql`now()`,
      })
      .where(eq(webhookDeliveries.id, id));
  },

  /** A success ends a webhook's run of failures. */
  async markWebhookHealthy(db: Db, webhookId: number): Promise<void> {
    await db
      .update(webhooks)
      .set({ failingSince: null })
      .where(and(eq(webhooks.id, webhookId), sql`${webhooks.failingSince} is not null`));
  },

  /**
   * A failed attempt: the webhook's run of failures starts now if it had none; a run as long as
   * `disableAfterMs` disables the webhook, with the reason. Returns the reason when this call disabled it.
   */
  async markWebhookFailing(db: Db, webhookId: number, disableAfterMs: number): Promise<string | undefined> {
    const since = sql`coalesce(${webhooks.failingSince}, now())`;
    const tooLong = sql`${since} <= now() - ${`${disableAfterMs} milliseconds`}::interval`;
    const [row] = await db
      .update(webhooks)
      .set({
        failingSince: since,
        enabled: sql`case when ${tooLong} then false else ${webhooks.enabled} end`,
        disabledReason: sql`case when ${tooLong} and ${webhooks.enabled}
          then 'Disabled ' || to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
            || ': every delivery failed since ' || to_char(${since} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
          else ${webhooks.disabledReason} end`,
        updatedAt: sql`case when ${tooLong} and ${webhooks.enabled} then now() else ${webhooks.updatedAt} end`,
      })
      .where(eq(webhooks.id, webhookId))
      .returning({ enabled: webhooks.enabled, disabledReason: webhooks.disabledReason });
    return row && !row.enabled ? (row.disabledReason ?? undefined) : undefined;
  },

  /** Due, unclaimed deliveries of enabled webhooks: never queued, queue lost, or waiting for their retry. */
  async findDue(db: Db, limit: number): Promise<Pick<WebhookDeliveryRow, 'id' | 'attempts'>[]> {
    return db
      .select({ id: webhookDeliveries.id, attempts: webhookDeliveries.attempts })
      .from(webhookDeliveries)
      .where(and(dueAndFree, webhookEnabled))
      .orderBy(asc(webhookDeliveries.nextAttemptAt))
      .limit(limit);
  },
};
