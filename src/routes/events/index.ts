import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { callerOf } from '../../plugins/auth.js';
import { streamEventsSchema } from './schemas.js';

/** The token's expiry (ms), from the claims @fastify/jwt verified. */
function expiresAt(claims: unknown): number | undefined {
  const exp = (claims as { exp?: unknown } | null)?.exp;
  return typeof exp === 'number' ? exp * 1000 : undefined;
}

const eventRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { live } = app.services;

  app.get('/events/stream', { schema: streamEventsSchema, ...app.auth.stream }, async (request, reply) => {
    const caller = callerOf(request);
    const position = request.headers['last-event-id'] ?? request.query.last_event_id;
    // Everything that can fail with an HTTP error happens before the stream starts.
    const as = await live.standingOf(caller);
    await live.start();
    reply.hijack();
    // Hijacked: headers set by earlier hooks (CORS, security) are written here, not by Fastify's onSend.
    for (const [name, value] of Object.entries(reply.getHeaders())) {
      if (value !== undefined) reply.raw.setHeader(name, value);
    }
    reply.raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
      // Never reused once the stream ends: a kept-alive socket would hold app.close() until its timeout.
      connection: 'close',
      'x-request-id': request.id,
    });
    await live.open(caller, as, reply.raw, {
      lastEventId: position === undefined ? undefined : Number(position),
      expiresAt: expiresAt(request.user),
      log: request.log,
    });
  });
};

export default eventRoutes;
