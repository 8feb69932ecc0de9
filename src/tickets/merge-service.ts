import type { Static } from 'typebox';
import { type Caller, isStaff } from '../access/caller.js';
import { attachmentRepository as attachments } from '../attachments/attachment-repository.js';
import type { Db } from '../db/client.js';
import type { TicketRow } from '../db/schema.js';
import { participantRepository as participants } from '../email/inbound/participant-repository.js';
import { eventRepository as events } from '../events/event-repository.js';
import { DomainError, errors } from '../lib/errors.js';
import { messageRepository as messages } from '../messages/message-repository.js';
import { ticketRepository as tickets } from './ticket-repository.js';
import type { MergeTicketBody } from './ticket-schemas.js';

const refused = (msg: string) =>
  new DomainError('merge_refused', 422, [{ loc: ['body', 'into_ticket_id'], msg, type: 'merge_refused' }]);

/**
 * POST /tickets/{id}/merge: a duplicate joins the ticket it repeats. Its messages (notes, files) move there
 * in time order, its description becomes a message there (at the time it was written), whoever could write
 * on it by mail may write there, and it is closed pointing at it (mail to its thread lands there too,
 * email/inbound/mail-to-ticket.ts). One transaction, both tickets locked, an event on each.
 */
export class MergeService {
  constructor(private readonly db: Db) {}

  async merge(caller: Caller, id: number, input: Static<typeof MergeTicketBody>): Promise<number> {
    const user = await caller.user();
    if (!isStaff(user)) throw errors.forbidden('Only operators can merge tickets');
    if (input.into_ticket_id === id) throw refused('A ticket cannot be merged into itself');
    return this.db.transaction(async (tx) => {
      const locked = await tickets.lockPair(tx, id, input.into_ticket_id);
      const source = locked.get(id);
      const target = locked.get(input.into_ticket_id);
      if (!source) throw errors.ticketNotFound();
      if (!target) throw refused(`Ticket ${input.into_ticket_id} not found`);
      checkMergeable(source, target, input.force);
      await this.moveConversation(tx, source, target);
      await tickets.markMerged(tx, source.id, target.id);
      await tickets.update(tx, target.id, {});
      await events.insert(tx, [
        {
          ticketId: source.id,
          type: 'ticket.merged',
          actorId: user.id,
          changes: {
            merged_into_id: { from: null, to: target.id },
            ...(source.status !== 'closed' ? { status: { from: source.status, to: 'closed' } } : {}),
          },
        },
        {
          ticketId: target.id,
          type: 'ticket.merged',
          actorId: user.id,
          changes: { merged_ticket_id: { from: null, to: source.id } },
        },
      ]);
      return target.id;
    });
  }

  private async moveConversation(tx: Db, source: TicketRow, target: TicketRow): Promise<void> {
    const description = await messages.insert(tx, {
      ticketId: target.id,
      authorId: source.creatorId,
      text: `Merged from ticket #${source.id} "${source.subject}":\n\n${source.description}`,
      internal: false,
      channel: source.channel,
      createdAt: source.createdAt,
    });
    await messages.moveToTicket(tx, source.id, target.id);
    await attachments.moveToTicket(tx, source.id, target.id, description.id);
    await participants.copy(tx, source.id, target.id);
  }
}

function checkMergeable(source: TicketRow, target: TicketRow, force: boolean): void {
  if (source.mergedIntoId !== null) {
    throw refused(`Ticket ${source.id} is already merged into ticket ${source.mergedIntoId}`);
  }
  if (target.mergedIntoId !== null) {
    throw refused(`Ticket ${target.id} was merged into ticket ${target.mergedIntoId}: merge into that one`);
  }
  if (source.creatorId !== target.creatorId && !force) {
    throw refused('The tickets have different creators: send "force": true to merge them anyway');
  }
}
