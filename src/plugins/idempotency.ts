import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { requestHash } from '../idempotency/idempotency-service.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The client's Idempotency-Key on a first POST: services store it on the rows they create. */
    idempotencyKey: string | undefined;
    idempotencyRecord: number | undefined;
  }
}

const asArray = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

function documentsIdempotencyKey(schema: unknown): boolean {
  const headers = (schema as { headers?: { properties?: Record<string, unknown> } } | undefined)?.headers;
  return headers?.properties?.['idempotency-key'] !== undefined;
}

/** Runs after authentication and validation (preHandler), so keys are per caller and only valid requests count. */
export const idempotency = fp(
  async (app: FastifyInstance) => {
    const service = app.services.idempotency;
    app.decorateRequest('idempotencyKey', undefined);
    app.decorateRequest('idempotencyRecord', undefined);

    const begin = async (request: FastifyRequest, reply: FastifyReply) => {
      const key = request.headers['idempotency-key'];
      if (key === undefined) return;
      // A stored answer goes only to an account that may still act (also on the routes whose statements check it).
      await request.caller?.user();
      const hash = requestHash([request.method, request.routeOptions.url, request.params, request.body]);
      // Anonymous callers (sign-up) share no namespace: their keys are scoped to the client address.
      // (The address as Fastify reads it, TRUST_PROXY included; cut to the column's 64 characters.)
      const scope = request.caller
        ? { userId: request.caller.id, client: '' }
        : { userId: 0, client: request.ip.slice(0, 64) };
      const begun = await service.begin(scope, String(key), hash);
      if (begun.kind === 'replay') {
        return reply
          .code(begun.status)
          .header('Idempotency-Replayed', 'true')
          .type('application/json; charset=utf-8')
          .send(begun.body ?? '');
      }
      request.idempotencyKey = String(key);
      request.idempotencyRecord = begun.recordId;
    };

    const finish = async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
      const recordId = request.idempotencyRecord;
      if (recordId === undefined) return payload;
      request.idempotencyRecord = undefined;
      const body = typeof payload === 'string' ? payload : null;
      try {
        await service.finish(recordId, reply.statusCode, body);
      } catch (error) {
        // The database may be down: try again in the background. Should that fail too, the key looks
        // abandoned after a minute and a retry may run (the created rows carry the key too, so that retry
        // finds them instead of writing twins).
        request.log.warn({ err: error }, 'could not store the idempotent response yet; retrying');
        service.finishLater(recordId, reply.statusCode, body, (err) =>
          request.log.warn({ err }, 'gave up storing the idempotent response'),
        );
      }
      return payload;
    };

    // Only the routes whose schema documents the header (`operation({ idempotent: true })`) take keys: the
    // hooks are attached to them alone. Login is not one: its answers are bearer tokens, never stored.
    app.addHook('onRoute', (route) => {
      if (!documentsIdempotencyKey(route.schema)) return;
      route.preHandler = [...asArray(route.preHandler), begin];
      route.onSend = [...asArray(route.onSend), finish];
    });
  },
  { name: 'idempotency', dependencies: ['services'] },
);
