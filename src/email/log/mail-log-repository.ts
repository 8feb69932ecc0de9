import { and, asc, desc, eq, inArray, isNotNull, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { pastCursor } from '../../db/keyset.js';
import { type EmailMessageRow, emailMessages, outbox } from '../../db/schema.js';
import type { Cursor } from '../../lib/cursor.js';

export type NewEmailMessage = Omit<EmailMessageRow, 'id' | 'createdAt'>;

/** The mail log: every mail seen in a mailbox or sent, with what became of it. */
export const mailLogRepository = {
  /**
   * Records a mail; `undefined` when this Message-ID is already recorded for the mailbox and direction
   * (the unique index decides, so two workers fetching the same mail cannot both record it).
   */
  async insertOnce(db: Db, row: NewEmailMessage): Promise<EmailMessageRow | undefined> {
    const [created] = await db
      .insert(emailMessages)
      .values(row)
      .onConflictDoNothing({
        target: [emailMessages.mailbox, emailMessages.direction, emailMessages.headerMessageId],
        where: sql`${emailMessages.outcome} <> 'duplicate'`,
      })
      .returning();
    return created;
  },

  async insert(db: Db, row: NewEmailMessage): Promise<EmailMessageRow> {
    const [created] = await db.insert(emailMessages).values(row).returning();
    return created as EmailMessageRow;
  },

  async findRecorded(
    db: Db,
    mailbox: string,
    direction: EmailMessageRow['direction'],
    headerMessageId: string,
  ): Promise<EmailMessageRow | undefined> {
    const [row] = await db
      .select()
      .from(emailMessages)
      .where(
        and(
          eq(emailMessages.mailbox, mailbox),
          eq(emailMessages.direction, direction),
          eq(emailMessages.headerMessageId, headerMessageId),
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
