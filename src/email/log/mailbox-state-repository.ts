import { and, asc, eq, getTableColumns, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { type MailboxStateRow, mailboxState } from '../../db/schema.js';

/**
 * A watcher writes its heartbeat every 3 s while connected: one older than this means no process watches
 * the mailbox (every worker died, or none holds the lease), whatever `connected` last said.
 */
export const ALIVE_SECONDS = 10;

export type MailboxStateWithLiveness = MailboxStateRow & { alive: boolean };

/** Where each mailbox's watcher is (last UID, UIDVALIDITY) and how its connection fares. */
export const mailboxStateRepository = {
  async get(db: Db, mailbox: string): Promise<MailboxStateRow | undefined> {
    const [row] = await db.select().from(mailboxState).where(eq(mailboxState.mailbox, mailbox));
    return row;
  },

  /** Each mailbox, with whether its watcher's heartbeat is recent (by the database's clock, not ours). */
  async list(db: Db): Promise<MailboxStateWithLiveness[]> {
    return db
      .select({
        ...getTableColumns(mailboxState),
        alive: sql<boolean>`coalesce(${mailboxState.lastAliveAt} > now() - ${sql.raw(`interval '${ALIVE_SECONDS} seconds'`)}, false)`,
      })
      .from(mailboxState)
      .orderBy(asc(mailboxState.mailbox));
  },

  /** The watcher is connected and alive now. */
  async heartbeat(db: Db, mailbox: string): Promise<void> {
    await db
      .insert(mailboxState)
      .values({ mailbox, connected: true, lastAliveAt: sql`now()` })
      .onConflictDoUpdate({ target: mailboxState.mailbox, set: { connected: true, lastAliveAt: sql`now()` } });
  },

  async upsert(db: Db, mailbox: string, changes: Partial<Omit<MailboxStateRow, 'mailbox'>>): Promise<void> {
    await db
      .insert(mailboxState)
      .values({ mailbox, ...changes })
      .onConflictDoUpdate({ target: mailboxState.mailbox, set: { ...changes, updatedAt: sql`now()` } });
  },

  /** Only ever moves forward, so a slow fetch finishing late cannot rewind the position. */
  async advance(db: Db, mailbox: string, uidValidity: number, uid: number): Promise<void> {
    await db
      .update(mailboxState)
      .set({ lastUid: sql`greatest(${mailboxState.lastUid}, ${uid})`, updatedAt: sql`now()` })
      .where(and(eq(mailboxState.mailbox, mailbox), eq(mailboxState.uidValidity, uidValidity)));
  },

  async recordError(db: Db, mailbox: string, error: string): Promise<void> {
    await db
      .insert(mailboxState)
      .values({ mailbox, connected: false, lastError: error, lastErrorAt: sql`now()`, consecutiveErrors: 1 })
      .onConflictDoUpdate({
        target: mailboxState.mailbox,
        set: {
          connected: false,
          lastError: error.slice(0, 2000),
          lastErrorAt: sql`now()`,
          consecutiveErrors: sql`${mailboxState.consecutiveErrors} + 1`,
          updatedAt: sql`now()`,
        },
      });
  },

  async recordSuccess(db: Db, mailbox: string): Promise<void> {
    await db
      .insert(mailboxState)
      .values({ mailbox, connected: true, lastSuccessAt: sql`now()`, lastAliveAt: sql`now()`, consecutiveErrors: 0 })
      .onConflictDoUpdate({
        target: mailboxState.mailbox,
        set: {
          connected: true,
          lastSuccessAt: sql`now()`,
          lastAliveAt: sql`now()`,
          consecutiveErrors: 0,
          updatedAt: sql`now()`,
        },
      });
  },
};
