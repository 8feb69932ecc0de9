import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { Envelope, ErrorBody, publicSecurity } from '../http-schemas.js';

const Status = Envelope(Type.Object({ status: Type.String() }));

const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/health',
    {
      schema: {
        operationId: 'getHealth',
        summary: 'Liveness: the process answers',
        tags: ['health'],
        security: publicSecurity,
        response: { 200: Status },
      },
    },
    async () => ({ data: { status: 'ok' }, message: 'Service is alive' }),
  );

  app.get(
    '/health/ready',
    {
      schema: {
        operationId: 'getReadiness',
        summary: 'Readiness: the database answers, and Redis when it is configured',
        security: publicSecurity,
        tags: ['health'],
        response: { 200: Status, 503: ErrorBody },
      },
    },
    async (request, reply) => {
      const problem = await app.services.readiness.problem();
      if (problem) {
        request.log.warn({ problem }, 'readiness check failed');
        return reply.code(503).header('Retry-After', '5').send({ detail: problem });
      }
      return { data: { status: 'ready' }, message: 'Service is ready' };
    },
  );
};

export default healthRoutes;
