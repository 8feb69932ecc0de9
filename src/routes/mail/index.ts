import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { actorOf, bearerSecurity } from '../../plugins/auth.js';
import { mailboxesSchema, mailLogSchema, outboxSchema, resendSchema } from './schemas.js';

const mailRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { mailAdmin } = app.services;
  const secured = { onRequest: app.authenticate };

  app.get(
    '/mail/mailboxes',
    { schema: { ...mailboxesSchema, security: bearerSecurity }, ...secured },
    async (request) => ({
      data: await mailAdmin.mailboxes(actorOf(request)),
      message: 'Mailboxes',
    }),
  );

  app.get('/mail/log', { schema: { ...mailLogSchema, security: bearerSecurity }, ...secured }, async (request) => {
    const page = await mailAdmin.log(actorOf(request), request.query);
    return { data: page.items, message: 'Mail log', meta: { next_cursor: page.nextCursor } };
  });

  app.get('/mail/outbox', { schema: { ...outboxSchema, security: bearerSecurity }, ...secured }, async (request) => {
    const page = await mailAdmin.outbox(actorOf(request), request.query);
    return { data: page.items, message: 'Outgoing mail', meta: { next_cursor: page.nextCursor } };
  });

  app.post(
    '/mail/outbox/:outbox_id/resend',
    { schema: { ...resendSchema, security: bearerSecurity }, ...secured },
    async (request) => ({
      data: await mailAdmin.resend(actorOf(request), request.params.outbox_id),
      message: 'Mail queued to be sent again',
    }),
  );
};

export default mailRoutes;
