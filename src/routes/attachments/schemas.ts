import { Type } from 'typebox';
import { Envelope, ErrorBody, errorResponses, Id, Timestamp } from '../shared-schemas.js';

// Not imported from ../tickets: messages import this file, and tickets' schemas are not needed here.
const TicketParams = Type.Object({ ticket_id: Id });

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
  message_id: Type.Union([Id, Type.Null()], { description: 'null: it came with the mail that opened the ticket.' }),
  filename: Type.String(),
  content_type: Type.String(),
  size: Type.Integer(),
  created_at: Timestamp,
});

const withErrors = errorResponses({ auth: true });

export const listAttachmentsSchema = {
  summary: "A ticket's attachments",
  tags: ['attachments'],
  params: TicketParams,
  response: { 200: Envelope(Type.Array(Attachment)), 404: ErrorBody, ...withErrors },
};

export const downloadAttachmentSchema = {
  summary: 'Download an attachment',
  tags: ['attachments'],
  params: Type.Object({ ticket_id: Id, attachment_id: Id }),
  response: {
    // The file itself, by media type; errors stay JSON like everywhere else.
    200: {
      description: 'The file, served as a download.',
      content: { 'application/octet-stream': { schema: Type.String({ format: 'binary' }) } },
    },
    404: ErrorBody,
    ...withErrors,
  },
};
