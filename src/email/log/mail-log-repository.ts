import { and, asc, count, desc, eq, gt, inArray, isNotNull, ne, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { pastCursor } from '../../db/keyset.js';
import { type EmailMessageRow, emailMessages, outbox } from '../../db/schema.js';
import type { Cursor } from '../../lib/cursor.js';

export type NewEmailMessage = Omit<EmailMessageRow, 'id' | 'createdAt'>;

/** The mail log: every mail seen in a mailbox or sent, with what became of it. */
export const mailLogRepository = {
  /**
   * Records a mail; `undefined` when this sender's Message-ID is already recorded for the mailbox and
   * direction (the unique index decides, so two workers fetching the same mail cannot both record it).
   */
  async insertOnce(db: Db, row: NewEmailMessage): Promise<EmailMessageRow | undefined> {
    const [created] = await db
      .insert(emailMessages)
      .values(row)
      // The one unique index besides the id: (mailbox, direction, sender, Message-ID) for non-duplicates.
      .onConflictDoNothing()
      .returning();
    return created;
  },

  async insert(db: Db, row: NewEmailMessage): Promise<EmailMessageRow> {
    const [created] = await db.insert(emailMessages).values(row).returning();
    return created as EmailMessageRow;
  },

  /** The first record of a sender's mail (`fromAddress` null: a mail without one). */
  async findRecorded(
    db: Db,
    key: { mailbox: string; direction: EmailMessageRow['direction']; fromAddress: string | null; messageId: string },
  ): Promise<EmailMessageRow | undefined> {
    const [row] = await db
      .select()
      .from(emailMessages)
      .where(
        and(
          eq(emailMessages.mailbox, key.mailbox),
          eq(emailMessages.direction, key.direction),
          sql`coalesce(${emailMessages.fromAddress}, '') = ${key.fromAddress ?? ''}`,
          eq(emailMessages.headerMessageId, key.messageId),
          sql`${emailMessages.outcome} <> 'duplicate'`,
        ),
      );
    return row;
  },

  /** What was recorded for one copy of a mail: its UID under one UIDVALIDITY of the mailbox. */
  async findByUid(db: Db, mailbox: string, uidValidity: number, uid: number): Promise<EmailMessageRow | undefined> {
    const [row] = await db
      .select()
      .from(emailMessages)
      .where(
        and(
          eq(emailMessages.mailbox, mailbox),
          eq(emailMessages.uidValidity, uidValidity),
          eq(emailMessages.uid, uid),
          eq(emailMessages.direction, 'inbound'),
        ),
      )
      .limit(1);
    return row;
  },

  async update(db: Db, id: number, changes: Partial<NewEmailMessage>): Promise<void> {
    await db.update(emailMessages).set(changes).where(eq(emailMessages.id, id));
  },

  /** The ticket a set of Message-IDs belongs to: any mail we received or sent for it, newest reference first. */
  async findTicketByMessageIds(db: Db, ids: string[]): Promise<number | undefined> {
    if (ids.length === 0) return undefined;
    const known = await db
      .select({ headerMessageId: emailMessages.headerMessageId, ticketId: emailMessages.ticketId })
      .from(emailMessages)
      .where(and(inArray(emailMessages.headerMessageId, ids), isNotNull(emailMessages.ticketId)));
    const sent = await db
      .select({ headerMessageId: outbox.headerMessageId, ticketId: outbox.ticketId })
      .from(outbox)
      .where(inArray(outbox.headerMessageId, ids));
    const byId = new Map<string, number>();
    for (const row of [...known, ...sent]) if (row.ticketId !== null) byId.set(row.headerMessageId, row.ticketId);
    for (const id of ids) {
      const ticketId = byId.get(id);
      if (ticketId !== undefined) return ticketId;
    }
    return undefined;
  },

  /** Message-IDs of a ticket's mail in both directions, oldest first: the References of the next answer. */
  async threadIds(db: Db, ticketId: number): Promise<{ id: string; direction: 'inbound' | 'outbound' }[]> {
    const received = await db
      .select({ id: emailMessages.headerMessageId, at: emailMessages.createdAt })
      .from(emailMessages)
      .where(and(eq(emailMessages.ticketId, ticketId), eq(emailMessages.direction, 'inbound')))
      .orderBy(asc(emailMessages.createdAt));
    const sent = await db
      .select({ id: outbox.headerMessageId, at: outbox.createdAt })
      .from(outbox)
      .where(eq(outbox.ticketId, ticketId))
      .orderBy(asc(outbox.createdAt));
    return [
      ...received.map((r) => ({ ...r, direction: 'inbound' as const })),
      ...sent.map((r) => ({ ...r, direction: 'outbound' as const })),
    ]
      .sort((a, b) => a.at.getTime() - b.at.getTime())
      .map(({ id, direction }) => ({ id, direction }));
  },

  /** Tickets opened by mail from `fromAddress` within `windowMs`, other than by the mail `exceptId`. */
  async countOpenedFromSince(db: Db, fromAddress: string, windowMs: number, exceptId: number): Promise<number> {
    const [row] = await db
      .select({ n: count() })
      .from(emailMessages)
      .where(
        and(
          eq(emailMessages.fromAddress, fromAddress),
          eq(emailMessages.outcome, 'ticket_created'),
          gt(emailMessages.createdAt, sql`now() - ${`${windowMs} milliseconds`}::interval`),
          ne(emailMessages.id, exceptId),
        ),
      );
    return row?.n ?? 0;
  },

  /** Newest first, keyset on (created_at, id) (lib/cursor.ts). */
  async list(
    db: Db,
    options: { ticketId?: number; outcome?: EmailMessageRow['outcome']; before?: Cursor; limit: number },
  ): Promise<EmailMessageRow[]> {
    const { ticketId, outcome, before, limit } = options;
    return db
      .select()
      .from(emailMessages)
      .where(
        and(
          ticketId !== undefined ? eq(emailMessages.ticketId, ticketId) : undefined,
          outcome ? eq(emailMessages.outcome, outcome) : undefined,
          pastCursor(emailMessages, before, 'desc'),
        ),
      )
      .orderBy(desc(emailMessages.createdAt), desc(emailMessages.id))
      .limit(limit);
  },
};
