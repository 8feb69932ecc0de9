import formbody from '@fastify/formbody';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { passwordResetRequestSchema, passwordResetSchema, tokenSchema } from './schemas.js';

const authRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { auth, accounts } = app.services;

  // OAuth2 password flow: Swagger's Authorize button posts a form; API clients may post JSON. The form
  // parser lives in this scope only, so no other route accepts form bodies.
  const loginRoute: FastifyPluginAsyncTypebox = async (login) => {
    await login.register(formbody, { bodyLimit: 16 * 1024 });
    login.post(
      '/auth/token',
      // Per client address; the per-account limits live in the login use case.
      { schema: tokenSchema, ...app.limits.login },
      async (request) => auth.login(request.body.username, request.body.password, request.ip),
    );
  };
  await app.register(loginRoute);

  app.post(
    '/auth/password-reset',
    { schema: passwordResetRequestSchema, ...app.limits.passwordReset },
    async (request, reply) => {
      await accounts.requestReset(request.body.email);
      return reply
        .code(202)
        .send({ data: null, message: 'If an account has this address, a reset code was sent to it' });
    },
  );

  app.post(
    '/auth/password-reset/confirm',
    { schema: passwordResetSchema, ...app.limits.passwordReset },
    async (request) => ({
      data: await accounts.reset(request.body.token, request.body.password),
      message: 'Your password is changed; sign in with it',
    }),
  );
};

export default authRoutes;
