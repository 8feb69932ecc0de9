import formbody from '@fastify/formbody';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Config } from '../../config.js';
import { passwordResetRequestSchema, passwordResetSchema, tokenSchema } from './schemas.js';

/** Per client address: each reset request can put a mail in someone's inbox. */
const RESET_REQUESTS_PER_MINUTE = 10;

const authRoutes: FastifyPluginAsyncTypebox<{ config: Config }> = async (app, { config }) => {
  const { auth, accounts } = app.services;

  // OAuth2 password flow: Swagger's Authorize button posts a form; API clients may post JSON. The form
  // parser lives in this scope only, so no other route accepts form bodies.
  const loginRoute: FastifyPluginAsyncTypebox = async (login) => {
    await login.register(formbody, { bodyLimit: 16 * 1024 });
    login.post(
      '/auth/token',
      {
        schema: tokenSchema,
        // Per client address; the per-account limit lives in the login service.
        config: { rateLimit: { max: config.auth.loginRateLimitPerMinute, timeWindow: '1 minute' } },
      },
      async (request) => auth.login(request.body.username, request.body.password),
    );
  };
  await app.register(loginRoute);

  app.post(
    '/auth/password-reset',
    {
      schema: passwordResetRequestSchema,
      config: { rateLimit: { max: RESET_REQUESTS_PER_MINUTE, timeWindow: '1 minute' } },
    },
    async (request, reply) => {
      await accounts.requestReset(request.body.email);
      return reply
        .code(202)
        .send({ data: null, message: 'If an account has this address, a reset code was sent to it' });
    },
  );

  app.post(
    '/auth/password-reset/confirm',
    {
      schema: passwordResetSchema,
      config: { rateLimit: { max: RESET_REQUESTS_PER_MINUTE * 2, timeWindow: '1 minute' } },
    },
    async (request) => ({
      data: await accounts.reset(request.body.token, request.body.password),
      message: 'Your password is changed; sign in with it',
    }),
  );
};

export default authRoutes;
