import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { callerOf } from '../../plugins/auth.js';
import {
  createWebhookSchema,
  deleteWebhookSchema,
  getWebhookSchema,
  listWebhookDeliveriesSchema,
  listWebhooksSchema,
  redeliverWebhookSchema,
  updateWebhookSchema,
} from './schemas.js';

const webhookRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { webhooks } = app.services;
  const one = '/webhooks/:webhook_id';

  app.post('/webhooks', { schema: createWebhookSchema, ...app.auth.user }, async (request, reply) => {
    const created = await webhooks.create(callerOf(request), request.body);
    return reply.code(201).send({ data: created, message: 'Webhook created' });
  });

  app.get('/webhooks', { schema: listWebhooksSchema, ...app.auth.user }, async (request) => {
    const page = await webhooks.list(callerOf(request), request.query);
    return { data: page.items, message: 'Webhooks', meta: { next_cursor: page.nextCursor } };
  });

  app.get(one, { schema: getWebhookSchema, ...app.auth.user }, async (request) => ({
    data: await webhooks.get(callerOf(request), request.params.webhook_id),
    message: 'Webhook',
  }));

  app.patch(one, { schema: updateWebhookSchema, ...app.auth.user }, async (request) => ({
    data: await webhooks.update(callerOf(request), request.params.webhook_id, request.body),
    message: 'Webhook updated',
  }));

  app.delete(one, { schema: deleteWebhookSchema, ...app.auth.user }, async (request) => {
    await webhooks.delete(callerOf(request), request.params.webhook_id);
    return { data: null, message: 'Webhook deleted' };
  });

  app.get(`${one}/deliveries`, { schema: listWebhookDeliveriesSchema, ...app.auth.user }, async (request) => {
    const page = await webhooks.listDeliveries(callerOf(request), request.params.webhook_id, request.query);
    return { data: page.items, message: 'Webhook deliveries', meta: { next_cursor: page.nextCursor } };
  });

  app.post(
    `${one}/deliveries/:delivery_id/redeliver`,
    { schema: redeliverWebhookSchema, ...app.auth.user },
    async (request, reply) => {
      const { webhook_id, delivery_id } = request.params;
      const delivery = await webhooks.redeliver(callerOf(request), webhook_id, delivery_id);
      return reply.code(202).send({ data: delivery, message: 'Redelivery queued' });
    },
  );
};

export default webhookRoutes;
