import type { Db } from '../db/client.js';
import { eventRepository } from '../events/event-repository.js';
import { LiveRenderer } from '../live/live-render.js';

/**
 * The body of a delivery, Standard Webhooks' `{"type", "timestamp", "data"}`, where `data` is the live
 * stream's message for staff (src/live/live-render.ts): `{"ticket_id", "event", "ticket"}`, the event as
 * GET /tickets/{id}/events shows it and the ticket as GET /tickets/{id} does. `undefined` when the event is
 * gone (its ticket deleted).
 */
export async function renderPayload(db: Db, staffEmail: string, eventId: number): Promise<string | undefined> {
  // The staff feed from just before the event up to it: exactly that event, read as the live streams read it.
  const rows = await eventRepository.feedAs(db, 'staff', undefined, {
    afterId: eventId - 1,
    upToId: eventId,
    limit: 1,
  });
  const row = rows[0];
  if (!row) return undefined;
  const renderer = new LiveRenderer(db, staffEmail);
  await renderer.load(rows);
  const [message] = renderer.render(rows, 'staff');
  if (!message) return undefined;
  const type = JSON.stringify(row.event.type);
  const timestamp = JSON.stringify(row.event.createdAt.toISOString());
  return `{"type":${type},"timestamp":${timestamp},"data":${message.data}}`;
}
