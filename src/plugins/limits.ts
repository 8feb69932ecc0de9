import rateLimit, { type RateLimitOptions } from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { Redis } from 'ioredis';
import { isStaff } from '../access/caller.js';
import { LoginThrottle, loginPolicy } from '../auth/login-throttle.js';
import { MemoryThrottleStore } from '../auth/memory-throttle-store.js';
import { RedisThrottleStore } from '../auth/redis-throttle-store.js';
import type { Config } from '../config.js';
import { errors } from '../lib/errors.js';
import { watchRedis } from '../lib/redis-watch.js';

/** Route options that limit a route per client address (empty with RATE_LIMITS=off). */
type RouteLimit = { config?: { rateLimit: RateLimitOptions } };

declare module 'fastify' {
  interface FastifyInstance {
    limits: {
      /** POST /api/auth/token: attempts per client address per minute, whatever the account. */
      login: RouteLimit;
      /** POST /api/users: sign-ups per client address per hour; staff creating accounts are not limited. */
      signUp: RouteLimit;
      /** Password-reset requests and confirmations per client address per minute (each can mail an inbox). */
      passwordReset: RouteLimit;
      /** Failed logins per account (and per account and address), used by the login use case. */
      loginThrottle: LoginThrottle;
    };
  }
}

/** Per client address; on top, at most 3 reset mails an hour reach one address (users/account-service.ts). */
const PASSWORD_RESETS_PER_ADDRESS_PER_MINUTE = 10;

const seconds = (ttlMs: number) => Math.max(1, Math.ceil(ttlMs / 1000));

/**
 * Every limit against abuse in one place (docs/security.md). With Redis configured the
 * counters live there, shared by every API process under REDIS_PREFIX; otherwise in this process. The
 * client address is Fastify's `request.ip`, so TRUST_PROXY decides whom to believe about it. A 429 always
 * carries Retry-After and the `{"detail": …}` body. RATE_LIMITS=off registers none of it.
 */
export const limits = fp(
  async (app: FastifyInstance, options: { config: Config }) => {
    const { config } = options;
    const settings = config.limits;
    if (!settings.enabled) {
      app.decorate('limits', { login: {}, signUp: {}, passwordReset: {}, loginThrottle: new LoginThrottle(undefined) });
      return;
    }
    const policy = loginPolicy(settings.loginFailuresPerAccount, settings.loginFailuresPerAccountAllAddresses);
    let redis: Redis | undefined;
    if (config.redisUrl) {
      // One retry, then the request fails (503): a limit that cannot be checked does not let guesses through.
      redis = watchRedis(new Redis(config.redisUrl, { maxRetriesPerRequest: 1 }), app.log, 'limits');
      const client = redis;
      app.addHook('onClose', async () => client.disconnect());
    }
    await app.register(rateLimit, {
      global: false,
      ...(redis ? { redis, nameSpace: `${config.redisPrefix}:rate-limit:` } : {}),
    });
    app.decorate('limits', {
      login: {
        config: {
          rateLimit: {
            max: settings.loginPerAddressPerMinute,
            timeWindow: '1 minute',
            errorResponseBuilder: (_request, context) => errors.tooManyLogins(seconds(context.ttl)),
          },
        },
      },
      signUp: {
        config: {
          rateLimit: {
            max: settings.signupsPerAddressPerHour,
            timeWindow: '1 hour',
            // The route's auth hook ran first: a token's account is already loaded and checked.
            allowList: async (request: FastifyRequest) =>
              request.caller ? isStaff(await request.caller.user()) : false,
            errorResponseBuilder: (_request, context) => errors.tooManySignUps(seconds(context.ttl)),
          },
        },
      },
      passwordReset: {
        config: {
          rateLimit: {
            max: PASSWORD_RESETS_PER_ADDRESS_PER_MINUTE,
            timeWindow: '1 minute',
            errorResponseBuilder: (_request, context) =>
              errors.tooManyRequests('Too many password-reset requests; try again later', seconds(context.ttl)),
          },
        },
      },
      loginThrottle: new LoginThrottle(
        redis ? new RedisThrottleStore(redis, config.redisPrefix, policy) : new MemoryThrottleStore(policy),
      ),
    });
  },
  { name: 'limits' },
);
