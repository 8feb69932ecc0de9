import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { callerOf } from '../../plugins/auth.js';
import { mailboxesSchema, mailLogSchema, outboxSchema, resendSchema } from './schemas.js';

const mailRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { mailAdmin } = app.services;

  app.get('/mail/mailboxes', { schema: mailboxesSchema, ...app.auth.user }, async (request) => ({
    data: await mailAdmin.mailboxes(callerOf(request)),
    message: 'Mailboxes',
  }));

  app.get('/mail/log', { schema: mailLogSchema, ...app.auth.user }, async (request) => {
    const page = await mailAdmin.log(callerOf(request), request.query);
    return { data: page.items, message: 'Mail log', meta: { next_cursor: page.nextCursor } };
  });

  app.get('/mail/outbox', { schema: outboxSchema, ...app.auth.user }, async (request) => {
    const page = await mailAdmin.outboxEntries(callerOf(request), request.query);
    return { data: page.items, message: 'Outgoing mail', meta: { next_cursor: page.nextCursor } };
  });

  app.post('/mail/outbox/:outbox_id/resend', { schema: resendSchema, ...app.auth.user }, async (request) => ({
    data: await mailAdmin.resend(callerOf(request), request.params.outbox_id),
    message: 'Mail queued to be sent again',
  }));
};

export default mailRoutes;
