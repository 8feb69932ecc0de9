import { Type } from 'typebox';
import { Attachment } from '../../attachments/attachment-schemas.js';
import { Id } from '../../lib/schemas.js';
import { bearerSecurity, Envelope, ErrorBody, errorResponses, TicketParams } from '../http-schemas.js';

const withErrors = errorResponses({ auth: true });

export const listAttachmentsSchema = {
  operationId: 'listAttachments',
  summary: "A ticket's attachments",
  tags: ['attachments'],
  security: bearerSecurity,
  params: TicketParams,
  response: { 200: Envelope(Type.Array(Attachment)), 404: ErrorBody, ...withErrors },
};

export const downloadAttachmentSchema = {
  operationId: 'downloadAttachment',
  summary: 'Download an attachment',
  tags: ['attachments'],
  security: bearerSecurity,
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
