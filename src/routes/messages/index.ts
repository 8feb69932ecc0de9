import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { callerOf } from '../../plugins/auth.js';
import { createMessageSchema, listMessagesSchema } from './schemas.js';

const messageRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { messages } = app.services;

  app.post(
    '/tickets/:ticket_id/messages',
    { schema: createMessageSchema, ...app.auth.token },
    async (request, reply) => {
      const { ticket_id } = request.params;
      const message = await messages.create(callerOf(request), ticket_id, request.body, request.idempotencyKey);
      return reply.code(201).send({ data: message, message: 'Сообщение успешно создано' });
    },
  );

  app.get('/tickets/:ticket_id/messages', { schema: listMessagesSchema, ...app.auth.token }, async (request) => {
    const page = await messages.list(callerOf(request), request.params.ticket_id, request.query);
    return { data: page.items, message: 'Список сообщений успешно получен', meta: { next_cursor: page.nextCursor } };
  });
};

export default messageRoutes;
