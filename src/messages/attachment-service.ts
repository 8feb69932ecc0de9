import type { Static } from 'typebox';
import type { Actor } from '../auth/actor.js';
import type { Db } from '../db/client.js';
import type { AttachmentRow } from '../db/schema.js';
import { type AttachmentInfo, attachmentRepository } from '../email/inbound/attachment-repository.js';
import { errors } from '../lib/errors.js';
import type { Attachment } from '../routes/attachments/schemas.js';
import { ticketRepository as tickets } from '../tickets/ticket-repository.js';
import { canSeeTicket } from '../tickets/ticket-service.js';

export function toAttachmentView(row: AttachmentInfo): Static<typeof Attachment> {
  return {
    id: row.id,
    ticket_id: row.ticketId,
    message_id: row.messageId,
    filename: row.filename,
    content_type: row.contentType,
    size: row.size,
    created_at: row.createdAt.toISOString(),
  };
}

/** Files are visible to whoever may see their ticket (a customer's own, any for operators). */
export class AttachmentService {
  constructor(private readonly db: Db) {}

  private async visibleTicket(actor: Actor, ticketId: number): Promise<void> {
    const ticket = await tickets.findById(this.db, ticketId);
    if (!ticket || !canSeeTicket(actor, ticket)) throw errors.ticketNotFound();
  }

  async list(actor: Actor, ticketId: number): Promise<Static<typeof Attachment>[]> {
    await this.visibleTicket(actor, ticketId);
    return (await attachmentRepository.listForTicket(this.db, ticketId)).map(toAttachmentView);
  }

  async download(actor: Actor, ticketId: number, attachmentId: number): Promise<AttachmentRow> {
    await this.visibleTicket(actor, ticketId);
    const row = await attachmentRepository.findWithContent(this.db, ticketId, attachmentId);
    if (!row) throw errors.attachmentNotFound();
    return row;
  }
}
