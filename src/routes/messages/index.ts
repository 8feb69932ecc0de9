import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { bearerSecurity, callerOf } from '../../plugins/auth.js';
import { createMessageSchema, listMessagesSchema } from './schemas.js';

const messageRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { messages } = app.services;
  // onRequest: the token is checked before the body is parsed or validated (FastAPI's order too); the user
  // behind it, by the statement that does the work (see auth/caller.ts).
  const secured = { onRequest: app.authenticateToken };

  app.post(
    '/tickets/:ticket_id/messages',
    { schema: { ...createMessageSchema, security: bearerSecurity }, ...secured },
    async (request, reply) => {
      const message = await messages.create(
        callerOf(request),
        request.params.ticket_id,
        request.body,
        request.idempotencyKey,
      );
      return reply.code(201).send({ data: message, message: 'Сообщение успешно создано' });
    },
  );

  app.get(
    '/tickets/:ticket_id/messages',
    { schema: { ...listMessagesSchema, security: bearerSecurity }, ...secured },
    async (request) => {
      const page = await messages.list(callerOf(request), request.params.ticket_id, request.query);
      return { data: page.items, message: 'Список сообщений успешно получен', meta: { next_cursor: page.nextCursor } };
    },
  );
};

export default messageRoutes;
