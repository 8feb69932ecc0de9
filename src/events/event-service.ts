import type { Static } from 'typebox';
import type { Caller } from '../access/caller.js';
import { asCaller, readInput, ticketIsOpenTo } from '../access/ticket-access.js';
import type { Db } from '../db/client.js';
import { errors } from '../lib/errors.js';
import type { Page } from '../lib/schemas.js';
import { ticketRepository as tickets } from '../tickets/ticket-repository.js';
import { eventRepository as events } from './event-repository.js';
import { type ListEventsQuery, type TicketEventView, toEventView } from './event-schemas.js';

/**
 * History cursors hold the last event's id: ids are global and increasing, and a bigint (past 2^31, unlike
 * the other lists' row ids), so they are not the (created_at, id) cursors of lib/cursor.ts.
 */
const encodeEventCursor = (id: number) => Buffer.from(`e${id}`).toString('base64url');

function decodeEventCursor(text: string): number {
  const match = /^e([1-9][0-9]{0,15})$/.exec(Buffer.from(text, 'base64url').toString('latin1'));
  const id = match ? Number(match[1]) : Number.NaN;
  if (!Number.isSafeInteger(id)) throw errors.badCursor();
  return id;
}

export class EventService {
  constructor(
    private readonly db: Db,
    private readonly options: { staffEmail: string },
  ) {}

  /** GET /tickets/{id}/events: the ticket's history, as much of it as the caller may see (event-repository.ts). */
  async list(caller: Caller, ticketId: number, query: Static<typeof ListEventsQuery>): Promise<Page<TicketEventView>> {
    const afterId = query.cursor ? await readInput(caller, () => decodeEventCursor(query.cursor as string)) : undefined;
    const { result: rows, as } = await asCaller(
      caller,
      (as) => events.pageAs(this.db, caller, as, { ticketId, afterId, limit: query.limit + 1 }),
      (rows) => rows.length > 0,
    );
    // Rows prove the caller may read the ticket (the page checks it); an empty page may be a ticket they
    // cannot see, which is a 404, not an empty history.
    if (rows.length === 0) {
      const ticket = await tickets.findById(this.db, ticketId);
      if (!ticket || !ticketIsOpenTo(await caller.user(), ticket)) throw errors.ticketNotFound();
    }
    const items = rows.slice(0, query.limit);
    const last = items[items.length - 1];
    const nextCursor = rows.length > query.limit && last ? encodeEventCursor(last.event.id) : null;
    const viewer = { standing: as, staffEmail: this.options.staffEmail };
    return { items: items.map((row) => toEventView(row, viewer)), nextCursor };
  }
}
