import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { callerOf } from '../../plugins/auth.js';
import {
  createGroupSchema,
  getGroupSchema,
  listGroupsSchema,
  replaceGroupMembersSchema,
  updateGroupSchema,
} from './schemas.js';

const groupRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { groups } = app.services;

  app.post('/groups', { schema: createGroupSchema, ...app.auth.user }, async (request, reply) => {
    const group = await groups.create(callerOf(request), request.body);
    return reply.code(201).send({ data: group, message: 'Group created' });
  });

  app.get('/groups', { schema: listGroupsSchema, ...app.auth.user }, async (request) => ({
    data: await groups.list(callerOf(request)),
    message: 'Groups',
  }));

  app.get('/groups/:group_id', { schema: getGroupSchema, ...app.auth.user }, async (request) => ({
    data: await groups.get(callerOf(request), request.params.group_id),
    message: 'Group',
  }));

  app.patch('/groups/:group_id', { schema: updateGroupSchema, ...app.auth.user }, async (request) => ({
    data: await groups.update(callerOf(request), request.params.group_id, request.body),
    message: 'Group updated',
  }));

  app.put('/groups/:group_id/members', { schema: replaceGroupMembersSchema, ...app.auth.user }, async (request) => ({
    data: await groups.replaceMembers(callerOf(request), request.params.group_id, request.body.user_ids),
    message: 'Group members replaced',
  }));
};

export default groupRoutes;
