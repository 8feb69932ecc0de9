import { isStaff } from '../../access/caller.js';
import type { Callers } from '../../access/callers.js';
import type { AttachmentService } from '../../attachments/attachment-service.js';
import type { MailConfig } from '../../config.js';
import type { Db } from '../../db/client.js';
import type { TicketRow, UserRow } from '../../db/schema.js';
import { eventRepository as events } from '../../events/event-repository.js';
import { groupRepository as groups } from '../../groups/group-repository.js';
import type { MessageService } from '../../messages/message-service.js';
import { ticketRepository as tickets } from '../../tickets/ticket-repository.js';
import type { TicketService } from '../../tickets/ticket-service.js';
import type { UserService } from '../../users/user-service.js';
import { mailLogRepository as mails } from '../log/mail-log-repository.js';
import type { Outbox } from '../outbound/outbox.js';
import type { InboundMail } from '../parsing/parse-mail.js';
import { stripQuotedReply } from '../rules/quote-strip.js';
import { headerText } from '../rules/safe-header.js';
import { type SenderAuthentication, senderAuthentication } from '../rules/sender-authentication.js';
import { candidateMessageIds, extractTicketToken } from '../rules/threading.js';
import { cleanText, indexableId } from './mail-ids.js';
import { participantRepository as participants } from './participant-repository.js';

const HOUR_MS = 3_600_000;
/** Addresses of one mail recorded as a ticket's participants, at most. */
const MAX_PARTICIPANTS_PER_MAIL = 20;

export interface MailEffect {
  outcome: 'ticket_created' | 'reply_added' | 'dropped';
  reason: string;
  ticketId: number | null;
  messageId?: number;
  /** The acknowledgement to queue once the transaction commits. */
  acknowledgement?: number;
}

export interface MailToTicketServices {
  callers: Callers;
  users: UserService;
  tickets: TicketService;
  messages: MessageService;
  attachments: AttachmentService;
  outbox: Outbox;
}

/** Merges chain only as far as someone merges a ticket that others were merged into; a bound all the same. */
const MAX_MERGE_HOPS = 20;

/** Where a mail threads: the ticket, or why it may not go onto the one it points at. */
type Thread = { ticket: TicketRow } | { refused: string } | undefined;

/**
 * What a customer's mail does, inside the transaction that records it: a reply on the ticket it threads
 * to, or a new ticket. Tickets and messages are written through the same use cases as the API's, with the
 * sender's account as the caller and `email` as the channel, so every rule about them holds for mail too.
 *
 * Who may do what by mail is decided here (docs/architecture.md, "Who is calling"): mail never acts as a
 * staff account; a reply goes onto a ticket only from its creator or a participant, and never when the
 * receiving server says the From address is forged (DMARC fail).
 */
export class MailToTicket {
  constructor(
    private readonly config: MailConfig,
    private readonly services: MailToTicketServices,
  ) {}

  async apply(tx: Db, mail: InboundMail, recordedId: number, headerMessageId: string): Promise<MailEffect> {
    const from = mail.from as NonNullable<InboundMail['from']>;
    const author = await this.services.users.accountForAddress(tx, from.address);
    const effect = await this.effectOf(tx, mail, author, { recordedId, headerMessageId, name: from.name });
    await mails.update(tx, recordedId, {
      outcome: effect.outcome,
      reason: effect.reason,
      ticketId: effect.ticketId,
      ticketMessageId: effect.messageId ?? null,
    });
    // The ticket's history says a mail came in, from whom (the message or ticket it made has its own event).
    if (effect.ticketId !== null && effect.outcome !== 'dropped') {
      await events.insert(tx, [
        { ticketId: effect.ticketId, type: 'email.received', actorId: author.id, messageId: effect.messageId ?? null },
      ]);
    }
    return effect;
  }

  private async effectOf(
    tx: Db,
    mail: InboundMail,
    author: UserRow,
    context: { recordedId: number; headerMessageId: string; name: string },
  ): Promise<MailEffect> {
    if (!author.isActive) return dropped('sender account is deactivated');
    // Staff answer in the API or the console; a mail with a staff From is what an impersonator sends.
    if (isStaff(author)) return dropped('sender is a staff account: staff answer through the API, not by mail');
    const authentication = senderAuthentication(mail.authenticationResults, this.config.trustedAuthservId);
    const thread = authentication === 'fail' ? undefined : await this.threadOf(tx, mail, author);
    if (thread && 'ticket' in thread) return this.reply(tx, mail, author, thread.ticket);
    if (await this.tooManyFrom(tx, author.email, context.recordedId)) {
      return dropped(`rate limited: ${this.config.newTicketsPerSenderPerHour} new tickets an hour from this sender`);
    }
    const why =
      authentication === 'fail' ? 'sender not authenticated (DMARC fail): not threaded, not answered' : thread?.refused;
    return this.open(tx, mail, author, { ...context, authentication, why });
  }

  /** A reply on `ticket`, from an author who may write on it by mail. */
  private async reply(tx: Db, mail: InboundMail, author: UserRow, ticket: TicketRow): Promise<MailEffect> {
    const text = cleanText(stripQuotedReply(mail.text)).trim() || '(empty message)';
    const caller = this.services.callers.forAccount(author);
    const message = { text, internal: false, channel: 'email' as const, idempotencyKey: null };
    const posted = await this.services.messages.post(tx, caller, 'channel', ticket.id, message);
    if (!posted) return dropped(`ticket #${ticket.id} cannot take messages`);
    await this.services.attachments.store(tx, ticket.id, posted.message.id, mail.attachments);
    await participants.add(tx, ticket.id, this.copiedAddresses(mail, author.email));
    const reopened = ticket.status === 'closed' && posted.ticket.status !== 'closed';
    const reason = reopened ? 'reply added; ticket reopened' : 'reply added';
    return { outcome: 'reply_added', reason, ticketId: ticket.id, messageId: posted.message.id };
  }

  private async open(
    tx: Db,
    mail: InboundMail,
    author: UserRow,
    context: { headerMessageId: string; name: string; authentication: SenderAuthentication; why?: string },
  ): Promise<MailEffect> {
    const subject = headerText(cleanText(mail.subject), 255) || '(no subject)';
    const caller = this.services.callers.forAccount(author);
    const description = cleanText(mail.text).trim() || '(empty message)';
    const groupId = await this.defaultGroupId(tx);
    const values = { subject, description, idempotencyKey: null, channel: 'email' as const, groupId };
    const { ticket } = await this.services.tickets.open(tx, caller, values);
    await this.services.attachments.store(tx, ticket.id, null, mail.attachments);
    await participants.add(tx, ticket.id, this.copiedAddresses(mail, author.email));
    // No acknowledgement to a forged sender: it would carry a stranger's subject to whoever was named.
    const acknowledgement =
      context.authentication === 'fail'
        ? undefined
        : await this.services.outbox.queueAcknowledgement(tx, {
            ticketId: ticket.id,
            ticketSubject: subject,
            inReplyTo: context.headerMessageId,
            to: { address: author.email, name: context.name || author.username },
          });
    const reason = context.why ? `new ticket (${context.why})` : 'new ticket';
    return { outcome: 'ticket_created', reason, ticketId: ticket.id, acknowledgement };
  }

  /**
   * Threading, in order: In-Reply-To/References against every Message-ID we stored or sent; then the
   * subject token [#id]. Either way the ticket takes the mail only from its creator — by mail only once
   * their account is verified, unless the ticket itself came by mail — or from a participant.
   */
  private async threadOf(tx: Db, mail: InboundMail, author: UserRow): Promise<Thread> {
    const byHeaders = await mails.findTicketByMessageIds(tx, candidateMessageIds(mail).map(indexableId));
    const ticketId = byHeaders ?? extractTicketToken(mail.subject) ?? undefined;
    if (ticketId === undefined) return undefined;
    const ticket = await tickets.findById(tx, ticketId, { forUpdate: true });
    if (!ticket) return undefined;
    const creator = ticket.creatorId === author.id && (ticket.channel === 'email' || author.emailVerifiedAt !== null);
    if (creator || (await participants.isParticipant(tx, ticket.id, author.email))) {
      return { ticket: await this.landingOf(tx, ticket) };
    }
    return { refused: `sender may not write on ticket #${ticket.id}` };
  }

  /**
   * A merged ticket's mail lands on the ticket it was merged into (and so on, should that one have been
   * merged since): whoever could write on the old thread keeps writing, where the conversation now is.
   */
  private async landingOf(tx: Db, ticket: TicketRow): Promise<TicketRow> {
    let landing = ticket;
    for (let hops = 0; landing.mergedIntoId !== null && hops < MAX_MERGE_HOPS; hops++) {
      const next = await tickets.findById(tx, landing.mergedIntoId, { forUpdate: true });
      if (!next) break;
      landing = next;
    }
    return landing;
  }

  /**
   * EMAIL_DEFAULT_GROUP, looked up per mail (cheap, by the unique index): admins may create or rename the
   * group while the desk runs. No group by that name: the ticket is opened without one, never lost.
   */
  private async defaultGroupId(tx: Db): Promise<number | null> {
    const name = this.config.defaultGroup;
    return name ? ((await groups.findByName(tx, name))?.id ?? null) : null;
  }

  /** New tickets by mail per sender address per hour (RATE_LIMITS=off lifts it). */
  private async tooManyFrom(tx: Db, address: string, recordedId: number): Promise<boolean> {
    if (!this.config.limitsEnabled) return false;
    const opened = await mails.countOpenedFromSince(tx, address, HOUR_MS, recordedId);
    return opened >= this.config.newTicketsPerSenderPerHour;
  }

  /** Whom the mail was also addressed to: they may write on the ticket too. Never our own address. */
  private copiedAddresses(mail: InboundMail, sender: string): string[] {
    const own = new Set([sender, this.config.supportAddress].filter(Boolean));
    const addresses = [...new Set([...mail.to, ...mail.cc].map((address) => address.toLowerCase()))];
    return addresses
      .filter((address) => !own.has(address) && address.length <= 254)
      .slice(0, MAX_PARTICIPANTS_PER_MAIL);
  }
}

function dropped(reason: string): MailEffect {
  return { outcome: 'dropped', reason, ticketId: null };
}
