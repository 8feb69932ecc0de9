import jwt from '@fastify/jwt';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Actor } from '../auth/actor.js';
import type { Caller } from '../auth/caller.js';
import type { Config } from '../config.js';
import { errors } from '../lib/errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by `authenticateToken` and `authenticate`. */
    caller: Caller | null;
    /** Set by `authenticate`. */
    actor: Actor | null;
  }
  interface FastifyInstance {
    /**
     * onRequest hook: requires a valid bearer token and sets `request.caller`; the user is checked later,
     * by the statement that does the work or by `caller.actor()` (see caller.ts). For the hot routes.
     */
    authenticateToken: (request: FastifyRequest) => Promise<void>;
    /** onRequest hook: requires a valid bearer token of a user who may act, and sets `request.actor`. */
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
    app.decorateRequest('caller', null);
    app.decorateRequest('actor', null);

    const authenticateToken = async (request: FastifyRequest) => {
      const header = request.headers.authorization;
      if (!header || !/^bearer\s+\S/i.test(header)) throw errors.notAuthenticated();
      let claims: unknown;
      try {
        claims = await request.jwtVerify();
      } catch {
        throw errors.invalidToken();
      }
      request.caller = app.services.auth.callerFromClaims(claims);
    };
    const authenticate = async (request: FastifyRequest) => {
      await authenticateToken(request);
      request.actor = await callerOf(request).actor();
    };
    app.decorate('authenticateToken', authenticateToken);
    app.decorate('authenticate', authenticate);
    app.decorate('authenticateOptional', async (request: FastifyRequest) => {
      if (request.headers.authorization !== undefined) await authenticate(request);
    });
  },
  { name: 'auth' },
);

/** The caller of a route behind `authenticateToken` or `authenticate`. */
export function callerOf(request: FastifyRequest): Caller {
  if (!request.caller) throw errors.notAuthenticated();
  return request.caller;
}

/** The caller of a route behind `authenticate`. */
export function actorOf(request: FastifyRequest): Actor {
  if (!request.actor) throw errors.notAuthenticated();
  return request.actor;
}
