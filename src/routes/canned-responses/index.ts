import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { callerOf } from '../../plugins/auth.js';
import {
  createCannedResponseSchema,
  deleteCannedResponseSchema,
  getCannedResponseSchema,
  listCannedResponsesSchema,
  renderCannedResponseSchema,
  updateCannedResponseSchema,
} from './schemas.js';

const cannedResponseRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { cannedResponses } = app.services;
  const one = '/canned-responses/:canned_response_id';

  app.post('/canned-responses', { schema: createCannedResponseSchema, ...app.auth.user }, async (request, reply) => {
    const created = await cannedResponses.create(callerOf(request), request.body);
    return reply.code(201).send({ data: created, message: 'Canned response created' });
  });

  app.get('/canned-responses', { schema: listCannedResponsesSchema, ...app.auth.user }, async (request) => {
    const page = await cannedResponses.list(callerOf(request), request.query);
    return { data: page.items, message: 'Canned responses', meta: { next_cursor: page.nextCursor } };
  });

  app.get(one, { schema: getCannedResponseSchema, ...app.auth.user }, async (request) => ({
    data: await cannedResponses.get(callerOf(request), request.params.canned_response_id),
    message: 'Canned response',
  }));

  app.patch(one, { schema: updateCannedResponseSchema, ...app.auth.user }, async (request) => ({
    data: await cannedResponses.update(callerOf(request), request.params.canned_response_id, request.body),
    message: 'Canned response updated',
  }));

  app.delete(one, { schema: deleteCannedResponseSchema, ...app.auth.user }, async (request) => {
    await cannedResponses.delete(callerOf(request), request.params.canned_response_id);
    return { data: null, message: 'Canned response deleted' };
  });

  app.post(`${one}/render`, { schema: renderCannedResponseSchema, ...app.auth.user }, async (request) => ({
    data: await cannedResponses.render(callerOf(request), request.params.canned_response_id, request.body.ticket_id),
    message: 'Canned response rendered',
  }));
};

export default cannedResponseRoutes;
