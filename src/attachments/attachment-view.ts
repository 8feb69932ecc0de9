import type { Static } from 'typebox';
import type { AttachmentInfo } from './attachment-repository.js';
import type { Attachment, AttachmentSummary } from './attachment-schemas.js';

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
