import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { type IdempotencyService, requestHash } from '../idempotency/idempotency-service.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The client's Idempotency-Key on a first POST: services store it on the rows they create. */
    idempotencyKey: string | undefined;
    idempotencyRecord: number | undefined;
  }
}

/** Runs after authentication and validation (preHandler), so keys are per caller and only valid requests count. */
export const idempotency = fp(
  async (app: FastifyInstance, options: { service: IdempotencyService }) => {
    const { service } = options;
    app.decorateRequest('idempotencyKey', undefined);
    app.decorateRequest('idempotencyRecord', undefined);

    app.addHook('preHandler', async (request, reply) => {
      const key = request.headers['idempotency-key'];
      if (request.method !== 'POST' || key === undefined) return;
      // A stored answer goes only to a user who may still act (on the routes that check the user later).
      await request.caller?.actor();
      const hash = requestHash([request.method, request.routeOptions.url, request.params, request.body]);
      const begun = await service.begin(request.caller?.id ?? 0, String(key), hash);
      if (begun.kind === 'replay') {
        return reply
          .code(begun.status)
          .header('Idempotency-Replayed', 'true')
          .type('application/json; charset=utf-8')
          .send(begun.body ?? '');
      }
      request.idempotencyKey = String(key);
      request.idempotencyRecord = begun.recordId;
    });

    app.addHook('onSend', async (request, reply, payload) => {
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
    });

    app.addHook('onClose', async () => service.close());
  },
  { name: 'idempotency' },
);
