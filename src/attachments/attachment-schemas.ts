import { type Static, Type } from 'typebox';
import { Id, Nullable, Timestamp } from '../lib/schemas.js';
import type { AttachmentInfo } from './attachment-repository.js';

/** How a message lists its files; download them from /api/tickets/{ticket_id}/attachments/{id}. */
export const AttachmentSummary = Type.Object({
  id: Id,
  filename: Type.String(),
  content_type: Type.String(),
  size: Type.Integer(),
});

export const Attachment = Type.Object({
  id: Id,
  ticket_id: Id,
  message_id: Nullable(Id, { description: 'null: it came with the mail that opened the ticket.' }),
  filename: Type.String(),
  content_type: Type.String(),
  size: Type.Integer(),
  created_at: Timestamp,
});

// How rows become what callers see.

export type AttachmentView = Static<typeof Attachment>;
export type AttachmentSummaryView = Static<typeof AttachmentSummary>;

export function toAttachmentView(row: AttachmentInfo): AttachmentView {
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

export function toAttachmentSummary(row: Pick<AttachmentInfo, 'id' | 'filename' | 'contentType' | 'size'>) {
  return { id: row.id, filename: row.filename, content_type: row.contentType, size: row.size };
}
