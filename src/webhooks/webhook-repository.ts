import { and, asc, desc, eq, type SQL, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { pastCursor } from '../db/keyset.js';
import { type WebhookDeliveryRow, type WebhookRow, webhookDeliveries, webhooks } from '../db/schema.js';
import type { Cursor } from '../lib/cursor.js';

export type NewWebhook = Pick<WebhookRow, 'url' | 'description' | 'events' | 'secret'>;
export type WebhookChanges = Partial<Pick<WebhookRow, 'url' | 'description' | 'events' | 'secret' | 'enabled'>>;

/** Webhooks and their deliveries as admins manage them (the sender's statements are in delivery-repository.ts). */
export const webhookRepository = {
  async insert(db: Db, values: NewWebhook): Promise<WebhookRow> {
    const [row] = await db.insert(webhooks).values(values).returning();
    return row as WebhookRow;
  },

  async findById(db: Db, id: number): Promise<WebhookRow | undefined> {
    const [row] = await db.select().from(webhooks).where(eq(webhooks.id, id));
    return row;
  },

  /** Oldest first, keyset on (created_at, id). */
  async list(db: Db, options: { after?: Cursor; limit: number }): Promise<WebhookRow[]> {
    return db
      .select()
      .from(webhooks)
      .where(pastCursor(webhooks, options.after, 'asc'))
      .orderBy(asc(webhooks.createdAt), asc(webhooks.id))
      .limit(options.limit);
  },

  /** Turning it on starts afresh: the reason it was turned off and its run of failures are forgotten. */
  async update(db: Db, id: number, changes: WebhookChanges): Promise<WebhookRow | undefined> {
    const restart: Partial<Record<'disabledReason' | 'failingSince', SQL>> =
      changes.enabled === undefined ? {} : { disabledReason: sql`null`, failingSince: sql`null` };
    const [row] = await db
      .update(webhooks)
      .set({ ...changes, ...restart, updatedAt: sql`now()` })
      .where(eq(webhooks.id, id))
      .returning();
    return row;
  },

  async delete(db: Db, id: number): Promise<boolean> {
    const rows = await db.delete(webhooks).where(eq(webhooks.id, id)).returning({ id: webhooks.id });
    return rows.length > 0;
  },

  /** A webhook's deliveries, newest first, keyset on (created_at, id). */
  async listDeliveries(
    db: Db,
    webhookId: number,
    options: { status?: WebhookDeliveryRow['status']; before?: Cursor; limit: number },
  ): Promise<WebhookDeliveryRow[]> {
    return db
      .select()
      .from(webhookDeliveries)
      .where(
        and(
          eq(webhookDeliveries.webhookId, webhookId),
          options.status ? eq(webhookDeliveries.status, options.status) : undefined,
          pastCursor(webhookDeliveries, options.before, 'desc'),
        ),
      )
      .orderBy(desc(webhookDeliveries.createdAt), desc(webhookDeliveries.id))
      .limit(options.limit);
  },

  async findDelivery(db: Db, webhookId: number, id: number): Promise<WebhookDeliveryRow | undefined> {
    const [row] = await db
      .select()
      .from(webhookDeliveries)
      .where(and(eq(webhookDeliveries.id, id), eq(webhookDeliveries.webhookId, webhookId)));
    return row;
  },

  /**
   * Another round for a delivery: pending, due now, at the start of the retry schedule; its attempts so far
   * stay counted. `undefined` while a sender holds it (it is being attempted right now).
   */
  async redeliver(db: Db, webhookId: number, id: number): Promise<WebhookDeliveryRow | undefined> {
    const [row] = await db
      .update(webhookDeliveries)
      .set({ status: 'pending', retryStep: 0, nextAttemptAt: sql`now()`, updatedAt: sql`now()` })
      .where(
        and(
          eq(webhookDeliveries.id, id),
          eq(webhookDeliveries.webhookId, webhookId),
          sql`(${webhookDeliveries.lockedUntil} is null or ${webhookDeliveries.lockedUntil} < now())`,
        ),
      )
      .returning();
    return row;
  },
};
