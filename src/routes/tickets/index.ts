import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { callerOf } from '../../plugins/auth.js';
import { etagOf } from '../../tickets/ticket-service.js';
import {
  bulkUpdateTicketsSchema,
  createTicketSchema,
  getTicketSchema,
  listTicketEventsSchema,
  listTicketsSchema,
  mergeTicketSchema,
  updateTicketSchema,
} from './schemas.js';

const ticketRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { tickets, events, merges } = app.services;

  app.post('/tickets', { schema: createTicketSchema, ...app.auth.token }, async (request, reply) => {
    const ticket = await tickets.create(callerOf(request), request.body, request.idempotencyKey);
    return reply
      .code(201)
      .header('ETag', etagOf(ticket.version))
      .send({ data: ticket.view, message: 'Обращение успешно создано' });
  });

  app.get('/tickets', { schema: listTicketsSchema, ...app.auth.token }, async (request) => {
    const page = await tickets.list(callerOf(request), request.query);
    return { data: page.items, message: 'Список обращений успешно получен', meta: { next_cursor: page.nextCursor } };
  });

  app.get('/tickets/:ticket_id', { schema: getTicketSchema, ...app.auth.token }, async (request, reply) => {
    const ticket = await tickets.get(callerOf(request), request.params.ticket_id);
    return reply
      .header('ETag', etagOf(ticket.version))
      .send({ data: ticket.view, message: 'Обращение успешно получено' });
  });

  app.patch('/tickets/:ticket_id', { schema: updateTicketSchema, ...app.auth.user }, async (request, reply) => {
    const ifMatch = request.headers['if-match'];
    const ticket = await tickets.update(callerOf(request), request.params.ticket_id, request.body, ifMatch);
    return reply
      .header('ETag', etagOf(ticket.version))
      .send({ data: ticket.view, message: 'Обращение успешно обновлено' });
  });

  app.patch('/tickets', { schema: bulkUpdateTicketsSchema, ...app.auth.user }, async (request) => {
    const result = await tickets.bulkUpdate(callerOf(request), request.body);
    return { data: result, message: 'Tickets updated' };
  });

  app.post('/tickets/:ticket_id/merge', { schema: mergeTicketSchema, ...app.auth.user }, async (request, reply) => {
    const caller = callerOf(request);
    const into = await merges.merge(caller, request.params.ticket_id, request.body);
    const ticket = await tickets.get(caller, into);
    return reply.header('ETag', etagOf(ticket.version)).send({ data: ticket.view, message: 'Tickets merged' });
  });

  app.get('/tickets/:ticket_id/events', { schema: listTicketEventsSchema, ...app.auth.token }, async (request) => {
    const page = await events.list(callerOf(request), request.params.ticket_id, request.query);
    return { data: page.items, message: 'Ticket history', meta: { next_cursor: page.nextCursor } };
  });
};

export default ticketRoutes;
