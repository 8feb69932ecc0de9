import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { AuthService, type TokenClaims } from '../auth/auth-service.js';
import { LoginThrottle } from '../auth/login-throttle.js';
import type { Config } from '../config.js';
import type { Database } from '../db/client.js';
import { MailAdminService } from '../email/mail-admin-service.js';
import { MailChannel } from '../email/mail-channel.js';
import { AttachmentService } from '../messages/attachment-service.js';
import { MessageService } from '../messages/message-service.js';
import { TicketService } from '../tickets/ticket-service.js';
import { UserService } from '../users/user-service.js';

export interface Services {
  database: Database;
  auth: AuthService;
  users: UserService;
  tickets: TicketService;
  messages: MessageService;
  mail: MailChannel;
  mailAdmin: MailAdminService;
  attachments: AttachmentService;
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
    const mail = new MailChannel(config, db, app.log, 'api');
    app.addHook('onClose', async () => mail.close());
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
      messages: new MessageService(db, mail.outbound),
      mail,
      mailAdmin: new MailAdminService(db, mail.outbound),
      attachments: new AttachmentService(db),
    });
  },
  { name: 'services', dependencies: ['@fastify/jwt'] },
);
