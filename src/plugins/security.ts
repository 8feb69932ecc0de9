import cors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import helmet from 'helmet';
import type { Config } from '../config.js';

/**
 * Security headers on every response (helmet), `Cache-Control: no-store` on the API's answers, and CORS only
 * for the origins the configuration names.
 * The CSP allows what Swagger UI and the web console need (scripts and styles served from here, no inline
 * script); no
 * upgrade-insecure-requests, which would break the docs of a plain-HTTP installation on a LAN.
 */
export const security = fp(
  async (app: FastifyInstance, options: { config: Config }) => {
    // helmet itself, built once: the @fastify/helmet wrapper rebuilt the middleware (CSP parsing included)
    // on every request. The headers go on the raw response, where Fastify sends them with its own.
    const securityHeaders = helmet({
      contentSecurityPolicy: {
        useDefaults: true,
        // connect-src: the console's API calls and its live stream (EventSource) go to this origin only.
        directives: { 'upgrade-insecure-requests': null, 'img-src': ["'self'", 'data:'], 'connect-src': ["'self'"] },
      },
    });
    app.addHook('onRequest', (request, reply, done) => {
      securityHeaders(request.raw, reply.raw, () => done());
    });
    // Every operation's answer is for one caller or carries a token (login): never kept by a browser or a
    // shared cache. Operations are the routes with a security requirement (`operation()`, health); Swagger
    // UI's files and the OpenAPI document are the same for everyone and stay cacheable. A request that
    // carries a token is covered too, whatever route it reaches.
    app.addHook('onSend', (request, reply, payload, done) => {
      if (request.headers.authorization !== undefined || request.routeOptions.schema?.security !== undefined) {
        reply.header('cache-control', 'no-store');
      }
      done(null, payload);
    });
    const origins = options.config.http.corsOrigins;
    if (origins === '*' || origins.length > 0) {
      await app.register(cors, {
        origin: origins === '*' ? true : origins,
        methods: ['GET', 'POST', 'PATCH', 'OPTIONS'],
        allowedHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key', 'If-Match', 'X-Request-Id'],
        exposedHeaders: ['ETag', 'Idempotency-Replayed', 'Retry-After', 'X-Request-Id'],
        maxAge: 600,
      });
    }
  },
  { name: 'security' },
);
