import jwt from '@fastify/jwt';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Caller } from '../access/caller.js';
import { VerifiedTokens } from '../auth/verified-tokens.js';
import type { Config } from '../config.js';
import { errors } from '../lib/errors.js';

/** A hook of the `auth` route options. */
type AuthHook = (request: FastifyRequest) => Promise<void>;

declare module 'fastify' {
  interface FastifyRequest {
    /** The bearer of a verified token; set by the `auth` route options. */
    caller: Caller | null;
  }
  interface FastifyInstance {
    /** Route options for each way a route authenticates (see docs/architecture.md, "Who is calling"). */
    auth: {
      /** A valid token of an account that may act, checked before the body is read. */
      user: { onRequest: AuthHook };
      /**
       * A valid token; the account behind it is checked by the statement that does the work (the hot
       * routes). Input errors wait until the account is checked, so a 401 still comes before a 422.
       */
      token: { onRequest: AuthHook; attachValidation: true; preHandler: AuthHook };
      /** Like `user`, but anonymous requests pass (sign-up). */
      optional: { onRequest: AuthHook };
      /**
       * Like `user`, and the token may come as `?access_token=` instead (browsers' EventSource cannot send
       * headers): the live event stream only. The header wins when both are sent. Logged URLs never show it
       * (app.ts redacts it).
       */
      stream: { onRequest: AuthHook };
    };
  }
}

export const auth = fp(
  async (app: FastifyInstance, options: { config: Config }) => {
    await app.register(jwt, {
      secret: options.config.auth.secretKey,
      // Pinned: a token may not choose its own algorithm (no "none", no RS/HS confusion).
      sign: { algorithm: 'HS256', expiresIn: options.config.auth.tokenTtlSeconds },
      verify: { algorithms: ['HS256'] },
    });
    app.decorateRequest('caller', null);

    // Signature and expiry of each exact header, once per token (auth/verified-tokens.ts); the account is
    // still checked on every request.
    const verified = new VerifiedTokens();
    const verifyToken = async (request: FastifyRequest) => {
      const header = request.headers.authorization;
      if (!header || !/^bearer\s+\S/i.test(header)) throw errors.notAuthenticated();
      let claims: unknown = verified.get(header);
      if (claims === undefined) {
        try {
          claims = await request.jwtVerify();
        } catch {
          throw errors.invalidToken();
        }
        verified.remember(header, claims);
      } else {
        request.user = claims as typeof request.user;
      }
      request.caller = app.services.callers.fromClaims(claims);
    };
    const requireUser = async (request: FastifyRequest) => {
      await verifyToken(request);
      await callerOf(request).user();
    };
    // With `attachValidation` the route runs on with its input error; it is raised here, after the check.
    const inputErrorAfterCaller = async (request: FastifyRequest) => {
      if (!request.validationError) return;
      await callerOf(request).user();
      throw request.validationError;
    };
    const verifyHeaderOrQuery = async (request: FastifyRequest) => {
      const query = request.query as Record<string, unknown> | undefined;
      const token = query?.access_token;
      if (request.headers.authorization !== undefined || typeof token !== 'string') return requireUser(request);
      let claims: unknown;
      try {
        claims = app.jwt.verify(token);
      } catch {
        throw errors.invalidToken();
      }
      request.user = claims as typeof request.user;
      request.caller = app.services.callers.fromClaims(claims);
      await callerOf(request).user();
    };
    app.decorate('auth', {
      user: { onRequest: requireUser },
      token: { onRequest: verifyToken, attachValidation: true as const, preHandler: inputErrorAfterCaller },
      optional: {
        onRequest: async (request: FastifyRequest) => {
          if (request.headers.authorization !== undefined) await requireUser(request);
        },
      },
      stream: { onRequest: verifyHeaderOrQuery },
    });
  },
  { name: 'auth', dependencies: ['services'] },
);

/** The caller of a route behind `app.auth.user` or `app.auth.token`. */
export function callerOf(request: FastifyRequest): Caller {
  if (!request.caller) throw errors.notAuthenticated();
  return request.caller;
}
