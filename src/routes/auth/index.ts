import formbody from '@fastify/formbody';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { tokenSchema } from './schemas.js';

/**
 * OAuth2 password flow: Swagger's Authorize button posts a form; API clients may post JSON. The form parser
 * is registered here only, so no other route accepts form bodies.
 */
const authRoutes: FastifyPluginAsyncTypebox = async (app) => {
  await app.register(formbody, { bodyLimit: 16 * 1024 });

  app.post(
    '/auth/token',
    // Per client address; the per-account limits live in the login use case.
    { schema: tokenSchema, ...app.limits.login },
    async (request) => app.services.auth.login(request.body.username, request.body.password, request.ip),
  );
};

export default authRoutes;
