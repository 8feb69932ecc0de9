import { and, asc, eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { type MailboxStateRow, mailboxState } from '../../db/schema.js';

/** Where each mailbox's watcher is (last UID, UIDVALIDITY) and how its connection fares. */
export const mailboxStateRepository = {
  async get(db: Db, mailbox: string): Promise<MailboxStateRow | undefined> {
    const [row] = await db.select().from(mailboxState).where(eq(mailboxState.mailbox, mailbox));
    return row;
  },

  async list(db: Db): Promise<MailboxStateRow[]> {
    return db.select().from(mailboxState).orderBy(asc(mailboxState.mailbox));
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
      .values({ mailbox, connected: true, lastSuccessAt: sql`now()`, consecutiveErrors: 0 })
      .onConflictDoUpdate({
        target: mailboxState.mailbox,
        set: { connected: true, lastSuccessAt: sql`now()`, consecutiveErrors: 0, updatedAt: sql`now()` },
      });
  },
};
