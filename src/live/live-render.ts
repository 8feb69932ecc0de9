import type { Standing } from '../access/caller.js';
import type { Db } from '../db/client.js';
import type { FeedEvent } from '../events/event-repository.js';
import { toEventView } from '../events/event-schemas.js';
import { type TicketWithPeople, ticketRepository } from '../tickets/ticket-repository.js';
import { toTicketView } from '../tickets/ticket-schemas.js';

/** One SSE message, rendered: `data` is `{"ticket_id", "event", "ticket"}` as JSON. */
export interface LiveMessage {
  id: number;
  type: string;
  data: string;
}

/**
 * Renders events for readers of one standing, with the same mappers as GET /tickets/{id}/events and
 * GET /tickets/{id}: what a customer's stream says is what those routes would say to them. Tickets are read
 * once per batch (one query), and each rendering is kept, so readers of a standing share it.
 */
export class LiveRenderer {
  private readonly tickets = new Map<number, TicketWithPeople>();
  private readonly rendered = new Map<string, LiveMessage>();

  constructor(
    private readonly db: Db,
    private readonly staffEmail: string,
  ) {}

  /** Reads the tickets of `rows` that are not read yet (one query). */
  async load(rows: FeedEvent[]): Promise<void> {
    const missing = [...new Set(rows.map((row) => row.ticketId))].filter((id) => !this.tickets.has(id));
    for (const ticket of await ticketRepository.findManyWithPeople(this.db, missing)) {
      this.tickets.set(ticket.ticket.id, ticket);
    }
  }

  creatorOf(ticketId: number): number | undefined {
    return this.tickets.get(ticketId)?.ticket.creatorId;
  }

  /** `rows` as `as` reads them (already filtered for them by the feed's SQL); call `load` first. */
  render(rows: FeedEvent[], as: Standing): LiveMessage[] {
    const viewer = { standing: as, staffEmail: this.staffEmail };
    const messages: LiveMessage[] = [];
    for (const row of rows) {
      const key = `${as}:${row.event.id}`;
      let message = this.rendered.get(key);
      const ticket = this.tickets.get(row.ticketId);
      if (!message && ticket) {
        const data = { ticket_id: row.ticketId, event: toEventView(row, viewer), ticket: toTicketView(ticket, viewer) };
        message = { id: row.event.id, type: row.event.type, data: JSON.stringify(data) };
        this.rendered.set(key, message);
      }
      // Tickets are never deleted; a row without one would be a bug elsewhere, and is not sent half-made.
      if (message) messages.push(message);
    }
    return messages;
  }
}
