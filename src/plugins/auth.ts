import jwt from '@fastify/jwt';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Actor } from '../auth/actor.js';
import type { Config } from '../config.js';
import { errors } from '../lib/errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    actor: Actor | null;
  }
  interface FastifyInstance {
    /** onRequest hook: requires a valid bearer token and sets `request.actor`. */
    authenticate: (request: FastifyRequest) => Promise<void>;
    /** onRequest hook: like `authenticate`, but lets anonymous requests through. */
    authenticateOptional: (request: FastifyRequest) => Promise<void>;
  }
}

/** The OpenAPI security requirement for routes behind `authenticate`. */
export const bearerSecurity = [{ OAuth2PasswordBearer: [] }];

export const auth = fp(
  async (app: FastifyInstance, options: { config: Config }) => {
    await app.register(jwt, {
      secret: options.config.auth.secretKey,
      // Pinned: a token may not choose its own algorithm (no "none", no RS/HS confusion).
      sign: { algorithm: 'HS256', expiresIn: options.config.auth.tokenTtlSeconds },
      verify: { algorithms: ['HS256'] },
    });
    app.decorateRequest('actor', null);

    const authenticate = async (request: FastifyRequest) => {
      const header = request.headers.authorization;
      if (!header || !/^bearer\s+\S/i.test(header)) throw errors.notAuthenticated();
      let claims: unknown;
      try {
        claims = await request.jwtVerify();
      } catch {
        throw errors.invalidToken();
      }
      request.actor = await app.services.auth.actorFromClaims(claims);
    };
    app.decorate('authenticate', authenticate);
    app.decorate('authenticateOptional', async (request: FastifyRequest) => {
      if (request.headers.authorization !== undefined) await authenticate(request);
    });
  },
  { name: 'auth' },
);

/** The caller of a route behind `authenticate`. */
export function actorOf(request: FastifyRequest): Actor {
  if (!request.actor) throw errors.notAuthenticated();
  return request.actor;
}
