import { and, asc, eq, inArray, isNull } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { type AttachmentRow, attachments } from '../db/schema.js';

export interface IncomingFile {
  filename: string;
  contentType: string;
  size: number;
  content: Buffer;
}

export type AttachmentInfo = Omit<AttachmentRow, 'content'>;

const info = {
  id: attachments.id,
  ticketId: attachments.ticketId,
  messageId: attachments.messageId,
  filename: attachments.filename,
  contentType: attachments.contentType,
  size: attachments.size,
  createdAt: attachments.createdAt,
};

export const attachmentRepository = {
  /**
   * A merge: the files of ticket `from` move to `to`; those of its description (no message) to
   * `descriptionMessageId`, the message its description became there.
   */
  async moveToTicket(db: Db, from: number, to: number, descriptionMessageId: number): Promise<void> {
    await db
      .update(attachments)
      .set({ messageId: descriptionMessageId })
      .where(and(eq(attachments.ticketId, from), isNull(attachments.messageId)));
    await db.update(attachments).set({ ticketId: to }).where(eq(attachments.ticketId, from));
  },

  async insertAll(db: Db, ticketId: number, messageId: number | null, files: IncomingFile[]): Promise<void> {
    if (files.length === 0) return;
    await db.insert(attachments).values(
      files.map((file) => ({
        ticketId,
        messageId,
        filename: file.filename.slice(0, 255),
        contentType: file.contentType.slice(0, 255),
        size: file.content.length,
        content: file.content,
      })),
    );
  },

  async listForTicket(db: Db, ticketId: number): Promise<AttachmentInfo[]> {
    return db.select(info).from(attachments).where(eq(attachments.ticketId, ticketId)).orderBy(asc(attachments.id));
  },

  async listForMessages(db: Db, messageIds: number[]): Promise<AttachmentInfo[]> {
    if (messageIds.length === 0) return [];
    return db
      .select(info)
      .from(attachments)
      .where(inArray(attachments.messageId, messageIds))
      .orderBy(asc(attachments.id));
  },

  async findWithContent(db: Db, ticketId: number, id: number): Promise<AttachmentRow | undefined> {
    const [row] = await db
      .select()
      .from(attachments)
      .where(and(eq(attachments.id, id), eq(attachments.ticketId, ticketId)));
    return row;
  },
};
