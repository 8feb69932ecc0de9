import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { AuthService, type TokenClaims } from '../auth/auth-service.js';
import type { Config } from '../config.js';
import type { Database } from '../db/client.js';
import { buildServices, type Services } from '../runtime/services.js';

declare module 'fastify' {
  interface FastifyInstance {
    services: Services & { auth: AuthService };
  }
}

/** The process's services (runtime/services.ts), plus logging in, which only the API does. Closed with the app. */
export const services = fp(
  async (app: FastifyInstance, options: { config: Config; database: Database }) => {
    const { config, database } = options;
    const built = buildServices(config, database, app.log, 'api');
    // Signing needs the JWT plugin (plugins/auth.ts), registered after this one: it is looked up per login.
    const sign = (claims: TokenClaims) => app.jwt.sign(claims);
    app.decorate('services', {
      ...built,
      auth: new AuthService(database.db, sign, config.auth.tokenTtlSeconds, app.limits.loginThrottle),
    });
    app.addHook('onClose', async () => {
      built.idempotency.close();
      await built.background.close();
    });
  },
  { name: 'services', dependencies: ['limits'] },
);
