import { Type } from 'typebox';
import { operation } from '../operation.js';

const EventId = Type.String({ pattern: '^[0-9]{1,15}$', description: 'An event id: the `id:` of a message.' });

export const streamEventsSchema = operation({
  operationId: 'streamEvents',
  summary: 'Live ticket events (Server-Sent Events): what GET /tickets/{id}/events would list for you, as it happens',
  description:
    'A `text/event-stream` that stays open. Each message is one ticket event: `id:` the event id, `event:` its ' +
    'type, `data:` JSON `{"ticket_id", "event", "ticket"}` where `event` is the event as ' +
    '`GET /api/tickets/{ticket_id}/events` lists it for you and `ticket` the ticket as `GET /api/tickets/{ticket_id}` ' +
    'returns it now. Staff receive every event; customers the events of their own tickets, without internal ' +
    'notes and without group or tag changes. A `: ping` comment comes every 15 s (LIVE_HEARTBEAT_SECONDS).\n\n' +
    'Authenticate with the `Authorization: Bearer` header or, for browsers (EventSource cannot send headers), ' +
    'with `?access_token=<token>` (never logged). To resume, send `Last-Event-ID` (EventSource does it by ' +
    'itself on reconnect) or `?last_event_id=`: missed events are replayed in id order, then live ones follow. ' +
    `A position more than 10,000 events behind the newest gets one \`event: reset\` message instead: reload ` +
    'what you show, then keep listening. An event whose transaction committed late may arrive after a higher ' +
    'id, and one may come twice after a reconnect: keep the highest id and ignore ids you have. The stream ' +
    'ends when the account is deactivated, its token version changes or the token expires (checked every ' +
    'minute, LIVE_RECHECK_SECONDS), and when the server shuts down; reconnect with a fresh token.',
  tags: ['events'],
  auth: 'bearer',
  querystring: Type.Object(
    {
      access_token: Type.Optional(
        Type.String({ maxLength: 4096, description: 'The bearer token, for clients that cannot send headers.' }),
      ),
      last_event_id: Type.Optional(EventId),
    },
    { additionalProperties: false },
  ),
  headers: Type.Object({ 'last-event-id': Type.Optional(EventId) }),
  responses: {
    200: {
      description: 'The stream: `id`, `event` and `data` lines per event, `: ping` comments, `event: reset`.',
      content: { 'text/event-stream': { schema: Type.String() } },
    },
  },
});
