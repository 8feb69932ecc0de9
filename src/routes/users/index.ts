import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { callerOf } from '../../plugins/auth.js';
import {
  createUserSchema,
  getUserSchema,
  listUsersSchema,
  meSchema,
  requestVerificationSchema,
  updateUserSchema,
  verifyEmailSchema,
} from './schemas.js';

const userRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { users, accounts } = app.services;

  app.post(
    '/users',
    { schema: createUserSchema, ...app.auth.optional, ...app.limits.signUp },
    async (request, reply) => {
      const user = await users.signUp(request.caller ?? undefined, request.body);
      return reply.code(201).send({ data: user, message: 'Пользователь успешно создан' });
    },
  );

  app.get('/users/me', { schema: meSchema, ...app.auth.user }, async (request) => ({
    data: await users.get(callerOf(request), callerOf(request).id),
    message: 'Пользователь успешно получен',
  }));

  app.get('/users', { schema: listUsersSchema, ...app.auth.user }, async (request) => {
    const page = await users.list(callerOf(request), request.query);
    return {
      data: page.items,
      message: 'Список пользователей успешно получен',
      meta: { next_cursor: page.nextCursor },
    };
  });

  app.get('/users/:user_id', { schema: getUserSchema, ...app.auth.user }, async (request) => ({
    data: await users.get(callerOf(request), request.params.user_id),
    message: 'Пользователь успешно получен',
  }));

  app.patch('/users/:user_id', { schema: updateUserSchema, ...app.auth.user }, async (request) => ({
    data: await users.update(callerOf(request), request.params.user_id, request.body),
    message: 'Пользователь успешно обновлён',
  }));

  app.post(
    '/users/me/verification-email',
    { schema: requestVerificationSchema, ...app.auth.user },
    async (_r, reply) => {
      await accounts.requestVerification(callerOf(_r));
      return reply.code(202).send({ data: null, message: 'A verification code was sent to your address' });
    },
  );

  app.post('/users/verify-email', { schema: verifyEmailSchema, ...app.auth.user }, async (request) => ({
    data: await accounts.verify(callerOf(request), request.body.token),
    message: 'Your address is verified',
  }));
};

export default userRoutes;
