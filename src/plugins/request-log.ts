import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { observeRequest } from '../lib/metrics.js';
import { runWithRequest } from '../lib/request-context.js';
import { redactUrl } from '../runtime/logger.js';

/** The route pattern a request matched (`/api/tickets/:ticket_id`), never the raw URL; unmatched: none. */
export function routeOf(request: FastifyRequest): string {
  return request.routeOptions.url ?? 'unmatched';
}

/**
 * Who called, when the request was authenticated: the account's id, and its role as this process last saw it
 * (no query: routes whose statement checks the caller never load the account; see access/callers.ts).
 */
function callerFields(request: FastifyRequest): { userId?: number; userRole?: string } {
  const caller = request.caller;
  if (!caller) return {};
  const role = caller.seenRole;
  return role ? { userId: caller.id, userRole: role } : { userId: caller.id };
}

/**
 * One log line per request, when its response has gone (Fastify's own two lines are off): method, route
 * pattern, URL (redacted), status, duration, request id, and who called when the request was authenticated. Every request
 * also runs in a request context, so jobs it queues carry its id (lib/request-context.ts).
 */
export const requestLog = fp(
  async (app: FastifyInstance) => {
    app.addHook('onRequest', (request, _reply, done) => {
      runWithRequest({ reqId: request.id }, done);
    });
    app.addHook('onResponse', async (request: FastifyRequest, reply: FastifyReply) => {
      const route = routeOf(request);
      const durationMs = Math.round(reply.elapsedTime * 10) / 10;
      observeRequest(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
      const fields = {
        method: request.method,
        route,
        // The URL as well (ids, query), with secrets in its query redacted (the live stream's access_token).
        url: redactUrl(request.url),
        status: reply.statusCode,
        durationMs,
        ...callerFields(request),
      };
      request.log.info(fields, 'request');
    });
  },
  { name: 'request-log' },
);
