import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../config.js';

/**
 * Security headers on every response (helmet), and CORS only for the origins the configuration names.
 * The CSP allows what Swagger UI needs (its scripts and styles are served from here); no
 * upgrade-insecure-requests, which would break the docs of a plain-HTTP installation on a LAN.
 */
export const security = fp(
  async (app: FastifyInstance, options: { config: Config }) => {
    await app.register(helmet, {
      contentSecurityPolicy: {
        useDefaults: true,
        directives: { 'upgrade-insecure-requests': null, 'img-src': ["'self'", 'data:'] },
      },
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
