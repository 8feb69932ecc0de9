import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { AuthService, type TokenClaims } from '../auth/auth-service.js';
import type { Config } from '../config.js';
import type { Database } from '../db/client.js';
import { LiveHub } from '../live/live-hub.js';
import { buildServices, type Services, STAFF_EMAIL_STAND_IN } from '../runtime/services.js';

declare module 'fastify' {
  interface FastifyInstance {
    services: Services & { auth: AuthService; live: LiveHub };
  }
}

/** The process's services (runtime/services.ts), plus logging in, which only the API does. Closed with the app. */
export const services = fp(
  async (app: FastifyInstance, options: { config: Config; database: Database }) => {
    const { config, database } = options;
    const built = buildServices(config, database, app.log, 'api');
    // Live event streams are the API's alone (the worker has no HTTP); nothing runs until a stream opens.
    const live = new LiveHub(
      database,
      built.callers,
      { staffEmail: config.mail.supportAddress ?? STAFF_EMAIL_STAND_IN, ...config.live },
      app.log.child({ component: 'live' }),
    );
    // Signing needs the JWT plugin (plugins/auth.ts), registered after this one: it is looked up per login.
    const sign = (claims: TokenClaims) => app.jwt.sign(claims);
    app.decorate('services', {
      ...built,
      auth: new AuthService(database.db, sign, config.auth.tokenTtlSeconds, app.limits.loginThrottle),
      live,
    });
    // Before the server closes: open streams would hold it (and a graceful shutdown) open.
    app.addHook('preClose', async () => live.close());
    app.addHook('onClose', async () => {
      await built.idempotency.close();
      built.readiness.close();
      await built.background.close();
    });
  },
  { name: 'services', dependencies: ['limits'] },
);
