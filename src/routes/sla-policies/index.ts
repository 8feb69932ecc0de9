import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { callerOf } from '../../plugins/auth.js';
import {
  createSlaPolicySchema,
  deleteSlaPolicySchema,
  getSlaPolicySchema,
  listSlaPoliciesSchema,
  updateSlaPolicySchema,
} from './schemas.js';

const slaPolicyRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { slaPolicies } = app.services;
  const one = '/sla-policies/:policy_id';

  app.post('/sla-policies', { schema: createSlaPolicySchema, ...app.auth.user }, async (request, reply) => {
    const policy = await slaPolicies.create(callerOf(request), request.body);
    return reply.code(201).send({ data: policy, message: 'SLA policy created' });
  });

  app.get('/sla-policies', { schema: listSlaPoliciesSchema, ...app.auth.user }, async (request) => ({
    data: await slaPolicies.list(callerOf(request)),
    message: 'SLA policies',
  }));

  app.get(one, { schema: getSlaPolicySchema, ...app.auth.user }, async (request) => ({
    data: await slaPolicies.get(callerOf(request), request.params.policy_id),
    message: 'SLA policy',
  }));

  app.patch(one, { schema: updateSlaPolicySchema, ...app.auth.user }, async (request) => ({
    data: await slaPolicies.update(callerOf(request), request.params.policy_id, request.body),
    message: 'SLA policy updated',
  }));

  app.delete(one, { schema: deleteSlaPolicySchema, ...app.auth.user }, async (request) => {
    await slaPolicies.delete(callerOf(request), request.params.policy_id);
    return { data: null, message: 'SLA policy deleted' };
  });
};

export default slaPolicyRoutes;
