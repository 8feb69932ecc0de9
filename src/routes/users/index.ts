import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { actorOf, bearerSecurity } from '../../plugins/auth.js';
import { createUserSchema, getUserSchema, listUsersSchema, meSchema, updateUserSchema } from './schemas.js';

const userRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { users } = app.services;
  // onRequest: the token is checked before the body is parsed or validated (FastAPI's order too).
  const secured = { onRequest: app.authenticate };

  app.post(
    '/users',
    { schema: { ...createUserSchema, security: [...bearerSecurity, {}] }, onRequest: app.authenticateOptional },
    async (request, reply) => {
      const user = await users.signUp(request.actor ?? undefined, request.body);
      return reply.code(201).send({ data: user, message: 'Пользователь успешно создан' });
    },
  );

  app.get('/users/me', { schema: { ...meSchema, security: bearerSecurity }, ...secured }, async (request) => ({
    data: await users.get(actorOf(request), actorOf(request).id),
    message: 'Пользователь успешно получен',
  }));

  app.get('/users', { schema: { ...listUsersSchema, security: bearerSecurity }, ...secured }, async (request) => {
    const page = await users.list(actorOf(request), request.query);
    return {
      data: page.items,
      message: 'Список пользователей успешно получен',
      meta: { next_cursor: page.nextCursor },
    };
  });

  app.get(
    '/users/:user_id',
    { schema: { ...getUserSchema, security: bearerSecurity }, ...secured },
    async (request) => ({
      data: await users.get(actorOf(request), request.params.user_id),
      message: 'Пользователь успешно получен',
    }),
  );

  app.patch(
    '/users/:user_id',
    { schema: { ...updateUserSchema, security: bearerSecurity }, ...secured },
    async (request) => ({
      data: await users.update(actorOf(request), request.params.user_id, request.body),
      message: 'Пользователь успешно обновлён',
    }),
  );
};

export default userRoutes;
