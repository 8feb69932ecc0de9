import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { callerOf } from '../../plugins/auth.js';
import { downloadAttachmentSchema, listAttachmentsSchema } from './schemas.js';

/** RFC 6266 / 5987: an ASCII fallback name and the real one, percent-encoded. */
function contentDisposition(filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename)}`;
}

const attachmentRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { attachments } = app.services;

  app.get('/tickets/:ticket_id/attachments', { schema: listAttachmentsSchema, ...app.auth.user }, async (request) => ({
    data: await attachments.list(callerOf(request), request.params.ticket_id),
    message: 'Список вложений успешно получен',
  }));

  app.get(
    '/tickets/:ticket_id/attachments/:attachment_id',
    { schema: downloadAttachmentSchema, ...app.auth.user },
    async (request, reply) => {
      const file = await attachments.download(
        callerOf(request),
        request.params.ticket_id,
        request.params.attachment_id,
      );
      // Always a download, never rendered: a customer's HTML file must not run in the API's origin.
      return reply
        .type('application/octet-stream')
        .header('Content-Disposition', contentDisposition(file.filename))
        .header('X-Content-Type-Options', 'nosniff')
        .header('Content-Security-Policy', "default-src 'none'; sandbox")
        .send(file.content);
    },
  );
};

export default attachmentRoutes;
