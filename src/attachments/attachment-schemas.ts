import { Type } from 'typebox';
import { Id, Nullable, Timestamp } from '../lib/schemas.js';

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
