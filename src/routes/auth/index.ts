import formbody from '@fastify/formbody';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Config } from '../../config.js';
import { tokenSchema } from './schemas.js';

/**
 * OAuth2 password flow: Swagger's Authorize button posts a form; API clients may post JSON. The form parser
 * is registered here only, so no other route accepts form bodies.
 */
const authRoutes: FastifyPluginAsyncTypebox<{ config: Config }> = async (app, { config }) => {
  await app.register(formbody, { bodyLimit: 16 * 1024 });

  app.post(
    '/auth/token',
    {
      schema: tokenSchema,
      // Per client address; the per-account limit lives in the login service.
      config: { rateLimit: { max: config.auth.loginRateLimitPerMinute, timeWindow: '1 minute' } },
    },
    async (request) => app.services.auth.login(request.body.username, request.body.password),
  );
};

export default authRoutes;
