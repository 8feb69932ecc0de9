import { and, asc, eq, gt, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { attachments, type MessageRow, messages, users } from '../db/schema.js';
import type { Cursor } from '../lib/cursor.js';
import { type PublicUserRow, publicUserColumns } from '../users/user-repository.js';

export interface MessageWithAuthor {
  message: MessageRow;
  author: PublicUserRow;
}

/** A listed message says whether files came with it, so a page without any skips the attachments query. */
export interface ListedMessage extends MessageWithAuthor {
  hasAttachments: boolean;
}

export type NewMessage = Pick<MessageRow, 'ticketId' | 'authorId' | 'text' | 'internal' | 'channel'> & {
  idempotencyKey?: string | null;
};

export const messageRepository = {
  async insert(db: Db, message: NewMessage): Promise<MessageRow> {
    const [row] = await db.insert(messages).values(message).returning();
    return row as MessageRow;
  },

  async findByIdempotencyKey(db: Db, key: string): Promise<MessageRow | undefined> {
    const [row] = await db.select().from(messages).where(eq(messages.idempotencyKey, key));
    return row;
  },

  /** Oldest first, as a conversation reads; keyset on (created_at, id) within the ticket. */
  async listForTicket(
    db: Db,
    options: { ticketId: number; includeInternal: boolean; after?: Cursor; limit: number },
  ): Promise<ListedMessage[]> {
    const { ticketId, includeInternal, after, limit } = options;
    return db
      .select({
        message: messages,
        author: publicUserColumns(users),
        hasAttachments: sql<boolean>`exists (select 1 from ${attachments} where ${attachments.messageId} = ${messages.id})`,
      })
      .from(messages)
      .innerJoin(users, eq(users.id, messages.authorId))
      .where(
        and(
          eq(messages.ticketId, ticketId),
          includeInternal ? undefined : eq(messages.internal, false),
          after
            ? gt(
                sql`(${messages.createdAt}, ${messages.id})`,
                sql`(${after.createdAt.toISOString()}::timestamptz, ${after.id})`,
              )
            : undefined,
        ),
      )
      .orderBy(asc(messages.createdAt), asc(messages.id))
      .limit(limit);
  },
};
