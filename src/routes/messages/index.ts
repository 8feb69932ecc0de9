import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { actorOf, bearerSecurity } from '../../plugins/auth.js';
import { createMessageSchema, listMessagesSchema } from './schemas.js';

const messageRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { messages } = app.services;
  // onRequest: the token is checked before the body is parsed or validated (FastAPI's order too).
  const secured = { onRequest: app.authenticate };

  app.post(
    '/tickets/:ticket_id/messages',
    { schema: { ...createMessageSchema, security: bearerSecurity }, ...secured },
    async (request, reply) => {
      const message = await messages.create(
        actorOf(request),
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
      const page = await messages.list(actorOf(request), request.params.ticket_id, request.query);
      return { data: page.items, message: 'Список сообщений успешно получен', meta: { next_cursor: page.nextCursor } };
    },
  );
};

export default messageRoutes;
