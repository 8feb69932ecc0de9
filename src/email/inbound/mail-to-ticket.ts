import type { Callers } from '../../access/callers.js';
import type { AttachmentService } from '../../attachments/attachment-service.js';
import type { Db } from '../../db/client.js';
import type { UserRow } from '../../db/schema.js';
import type { MessageService } from '../../messages/message-service.js';
import { ticketRepository as tickets } from '../../tickets/ticket-repository.js';
import type { TicketService } from '../../tickets/ticket-service.js';
import type { UserService } from '../../users/user-service.js';
import { mailLogRepository as mails } from '../log/mail-log-repository.js';
import type { Outbox } from '../outbound/outbox.js';
import type { InboundMail } from '../parsing/parse-mail.js';
import { stripQuotedReply } from '../rules/quote-strip.js';
import { headerText } from '../rules/safe-header.js';
import { candidateMessageIds, extractTicketToken } from '../rules/threading.js';
import { cleanText, indexableId } from './mail-ids.js';

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

/**
 * What a customer's mail does, inside the transaction that records it: a reply on the ticket it threads
 * to, or a new ticket. Tickets and messages are written through the same use cases as the API's, with the
 * sender's account as the caller and `email` as the channel, so every rule about them holds for mail too.
 */
export class MailToTicket {
  constructor(private readonly services: MailToTicketServices) {}

  async apply(tx: Db, mail: InboundMail, recordedId: number, headerMessageId: string): Promise<MailEffect> {
    const from = mail.from as NonNullable<InboundMail['from']>;
    const author = await this.services.users.accountForAddress(tx, from.address);
    const effect: MailEffect = !author.isActive
      ? { outcome: 'dropped', reason: 'sender account is deactivated', ticketId: null }
      : ((await this.reply(tx, mail, author)) ?? (await this.open(tx, mail, author, from.name, headerMessageId)));
    await mails.update(tx, recordedId, {
      outcome: effect.outcome,
      reason: effect.reason,
      ticketId: effect.ticketId,
      ticketMessageId: effect.messageId ?? null,
    });
    return effect;
  }

  /** A reply on the ticket the mail threads to; undefined when it threads to none. */
  private async reply(tx: Db, mail: InboundMail, author: UserRow): Promise<MailEffect | undefined> {
    const ticketId = await this.threadOf(tx, mail, author.email);
    const before = ticketId === undefined ? undefined : await tickets.findById(tx, ticketId, { forUpdate: true });
    if (!before) return undefined;
    const text = cleanText(stripQuotedReply(mail.text)).trim() || '(empty message)';
    const caller = this.services.callers.forAccount(author);
    const message = { text, internal: false, channel: 'email' as const, idempotencyKey: null };
    const posted = await this.services.messages.post(tx, caller, 'channel', before.id, message);
    if (!posted) return undefined;
    await this.services.attachments.store(tx, before.id, posted.message.id, mail.attachments);
    const reopened = before.status === 'closed' && posted.ticket.status !== 'closed';
    return {
      outcome: 'reply_added',
      reason: reopened ? 'reply added; ticket reopened' : 'reply added',
      ticketId: before.id,
      messageId: posted.message.id,
    };
  }

  private async open(
    tx: Db,
    mail: InboundMail,
    author: UserRow,
    displayName: string,
    headerMessageId: string,
  ): Promise<MailEffect> {
    const subject = headerText(cleanText(mail.subject), 255) || '(no subject)';
    const caller = this.services.callers.forAccount(author);
    const description = cleanText(mail.text).trim() || '(empty message)';
    const { ticket } = await this.services.tickets.open(tx, caller, { subject, description, idempotencyKey: null });
    await this.services.attachments.store(tx, ticket.id, null, mail.attachments);
    const acknowledgement = await this.services.outbox.queueAcknowledgement(tx, {
      ticketId: ticket.id,
      ticketSubject: subject,
      inReplyTo: headerMessageId,
      to: { address: author.email, name: displayName || author.username },
    });
    return { outcome: 'ticket_created', reason: 'new ticket', ticketId: ticket.id, acknowledgement };
  }

  /**
   * Threading, in order: In-Reply-To/References against every Message-ID we stored or sent; then the
   * subject token [#id], trusted only from the ticket's creator (anyone can type a number).
   */
  private async threadOf(tx: Db, mail: InboundMail, fromAddress: string): Promise<number | undefined> {
    const byHeaders = await mails.findTicketByMessageIds(tx, candidateMessageIds(mail).map(indexableId));
    if (byHeaders !== undefined) return byHeaders;
    const token = extractTicketToken(mail.subject);
    if (token === null) return undefined;
    const found = await tickets.findWithPeople(tx, token);
    return found && found.creator.email === fromAddress ? token : undefined;
  }
}
