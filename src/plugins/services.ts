import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { AuthService, type TokenClaims } from '../auth/auth-service.js';
import { LoginThrottle } from '../auth/login-throttle.js';
import type { Config } from '../config.js';
import type { Database } from '../db/client.js';
import { MessageService } from '../messages/message-service.js';
import { TicketService } from '../tickets/ticket-service.js';
import { UserService } from '../users/user-service.js';

export interface Services {
  database: Database;
  auth: AuthService;
  users: UserService;
  tickets: TicketService;
  messages: MessageService;
}

declare module 'fastify' {
  interface FastifyInstance {
    services: Services;
  }
}

/** Builds each service with exactly what it uses. Needs the JWT plugin for signing. */
export const services = fp(
  async (app: FastifyInstance, options: { config: Config; database: Database }) => {
    const { config, database } = options;
    const { db } = database;
    const sign = (claims: TokenClaims) => app.jwt.sign(claims);
    app.decorate('services', {
      database,
      auth: new AuthService(
        db,
        sign,
        config.auth.tokenTtlSeconds,
        new LoginThrottle(config.auth.loginFailuresPerAccount),
      ),
      users: new UserService(db),
      tickets: new TicketService(db),
      messages: new MessageService(db),
    });
  },
  { name: 'services', dependencies: ['@fastify/jwt'] },
);
