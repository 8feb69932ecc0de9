import { Type } from 'typebox';
import { Attachment } from '../../attachments/attachment-schemas.js';
import { Id } from '../../lib/schemas.js';
import { Envelope, ErrorBody, TicketParams } from '../http-schemas.js';
import { operation } from '../operation.js';

export const listAttachmentsSchema = operation({
  operationId: 'listAttachments',
  summary: "A ticket's attachments",
  tags: ['attachments'],
  auth: 'bearer',
  params: TicketParams,
  responses: { 200: Envelope(Type.Array(Attachment)), 404: ErrorBody },
});

export const downloadAttachmentSchema = operation({
  operationId: 'downloadAttachment',
  summary: 'Download an attachment',
  tags: ['attachments'],
  auth: 'bearer',
  params: Type.Object({ ticket_id: Id, attachment_id: Id }),
  responses: {
    // The file itself, by media type; errors stay JSON like everywhere else.
    200: {
      description: 'The file, served as a download.',
      content: { 'application/octet-stream': { schema: Type.String({ format: 'binary' }) } },
    },
    404: ErrorBody,
  },
});
