import type { Caller } from '../access/caller.js';
import { ticketIsOpenTo } from '../access/ticket-access.js';
import type { Db } from '../db/client.js';
import type { AttachmentRow } from '../db/schema.js';
import { errors } from '../lib/errors.js';
import { ticketRepository as tickets } from '../tickets/ticket-repository.js';
import { attachmentRepository as files, type IncomingFile } from './attachment-repository.js';
import {
  type AttachmentSummaryView,
  type AttachmentView,
  toAttachmentSummary,
  toAttachmentView,
} from './attachment-schemas.js';

/** Files that came with mails: stored with the mail's ticket or message, visible to whoever may see the ticket. */
export class AttachmentService {
  constructor(private readonly db: Db) {}

  /** In the transaction (`db`) that records what they came with: a mail and its files are stored together. */
  async store(db: Db, ticketId: number, messageId: number | null, incoming: IncomingFile[]): Promise<void> {
    await files.insertAll(db, ticketId, messageId, incoming);
  }

  async list(caller: Caller, ticketId: number): Promise<AttachmentView[]> {
    await this.visibleTicket(caller, ticketId);
    return (await files.listForTicket(this.db, ticketId)).map(toAttachmentView);
  }

  async download(caller: Caller, ticketId: number, attachmentId: number): Promise<AttachmentRow> {
    await this.visibleTicket(caller, ticketId);
    const row = await files.findWithContent(this.db, ticketId, attachmentId);
    if (!row) throw errors.attachmentNotFound();
    return row;
  }

  /** The files of a page of messages, by message: one query for the page, none when no message has any. */
  async summariesByMessage(messageIds: number[]): Promise<Map<number, AttachmentSummaryView[]>> {
    const byMessage = new Map<number, AttachmentSummaryView[]>();
    for (const file of await files.listForMessages(this.db, messageIds)) {
      if (file.messageId === null) continue;
      byMessage.set(file.messageId, [...(byMessage.get(file.messageId) ?? []), toAttachmentSummary(file)]);
    }
    return byMessage;
  }

  private async visibleTicket(caller: Caller, ticketId: number): Promise<void> {
    const ticket = await tickets.findById(this.db, ticketId);
    if (!ticket || !ticketIsOpenTo(await caller.user(), ticket)) throw errors.ticketNotFound();
  }
}
