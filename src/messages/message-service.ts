import type { Static } from 'typebox';
import type { Actor } from '../auth/actor.js';
import { type Caller, type CheckedCaller, runAsCaller } from '../auth/caller.js';
import type { Db } from '../db/client.js';
import { isUniqueViolation } from '../db/errors.js';
import { attachmentRepository } from '../email/inbound/attachment-repository.js';
import type { OutboundMail } from '../email/outbound/outbound-mail.js';
import { decodeCursor, paginate } from '../lib/cursor.js';
import { errors } from '../lib/errors.js';
import type { CreateMessageBody, ListMessagesQuery } from '../routes/messages/schemas.js';
import { ticketRepository as tickets } from '../tickets/ticket-repository.js';
import { canRead } from '../tickets/ticket-service.js';
import { userRepository as users } from '../users/user-repository.js';
import {
  type ListedMessage,
  type MessagePageOptions,
  type MessageWithAuthor,
  messageRepository as messages,
  type NewApiMessage,
} from './message-repository.js';
import { type MessageView, toMessageView } from './message-view.js';

export class MessageService {
  private readonly listPage: (options: MessagePageOptions) => Promise<ListedMessage[]>;
  private readonly insertAndTouch: (message: NewApiMessage) => Promise<MessageWithAuthor | undefined>;

  constructor(
    private readonly db: Db,
    private readonly outbound: OutboundMail,
  ) {
    this.listPage = messages.prepareListForTicket(db);
    this.insertAndTouch = messages.prepareInsertAndTouch(db);
  }

  /** With an idempotency key, a retry finds the message (and the one email) its first attempt created. */
  async create(
    caller: Caller,
    ticketId: number,
    input: Static<typeof CreateMessageBody>,
    idempotencyKey?: string,
  ): Promise<MessageView> {
    const rowKey = idempotencyKey ? `${caller.id}:${idempotencyKey}` : null;
    // Staff powers (an internal note; a public answer, which emails the customer) are not granted on a
    // guess of the caller's role: unless the guess already says so, the user is loaded (and the guess set).
    const staffPower = input.internal || this.outbound.enabled;
    if (staffPower && caller.staffHint !== input.internal) await caller.actor();
    try {
      const { result: view } = await runAsCaller(
        caller,
        (reader) => this.write(caller, reader, ticketId, input, rowKey),
        (view) => view !== undefined,
      );
      // The seed answers an unknown ticket here with 400 and its own text.
      if (!view) throw errors.ticketToAnswerNotFound(ticketId);
      return view;
    } catch (error) {
      if (!rowKey || !isUniqueViolation(error, 'messages_idempotency_key_key')) throw error;
      const existing = await messages.findByIdempotencyKey(this.db, rowKey);
      if (!existing) throw error;
      return toMessageView({ message: existing, author: await caller.actor() });
    }
  }

  /**
   * `reader` is the caller as loaded, or as guessed for a statement that checks the guess. Only an
   * operator's public answer can send an email, and then the outbox row joins the transaction; anything
   * else is one statement. Nothing back: no ticket this caller may answer (or a guess that did not hold).
   */
  private async write(
    caller: Caller,
    reader: CheckedCaller,
    ticketId: number,
    input: Static<typeof CreateMessageBody>,
    rowKey: string | null,
  ): Promise<MessageView | undefined> {
    if (input.internal && !reader.staff) throw errors.forbidden('Only operators can write internal notes');
    if (reader.staff && !input.internal && this.outbound.enabled) {
      return this.writeWithEmail(await caller.actor(), ticketId, input, rowKey);
    }
    const written = await this.insertAndTouch({
      ticketId,
      author: reader,
      text: input.text,
      internal: input.internal,
      idempotencyKey: rowKey,
    });
    return written && toMessageView(written);
  }

  /** An operator's public answer: the message, and the email to the customer in the same transaction. */
  private async writeWithEmail(
    operator: Actor,
    ticketId: number,
    input: Static<typeof CreateMessageBody>,
    rowKey: string | null,
  ): Promise<MessageView> {
    const { view, outboxId } = await this.db.transaction(async (tx) => {
      // Locked so a reply and a status change on the same ticket apply one after the other.
      const ticket = await tickets.findById(tx, ticketId, { forUpdate: true });
      // The seed answers an unknown ticket here with 400 and its own text.
      if (!ticket) throw errors.ticketToAnswerNotFound(ticketId);
      const earlier = rowKey ? await messages.findByIdempotencyKey(tx, rowKey) : undefined;
      if (earlier) return { view: toMessageView({ message: earlier, author: operator }), outboxId: undefined };
      const message = await messages.insert(tx, {
        ticketId,
        authorId: operator.id,
        text: input.text,
        internal: false,
        channel: 'api',
        idempotencyKey: rowKey,
      });
      await tickets.touch(tx, ticketId);
      let outboxId: number | undefined;
      // An operator answering their own ticket has nobody to mail.
      if (ticket.creatorId !== operator.id) {
        const creator = await users.findById(tx, ticket.creatorId);
        if (creator?.isActive) {
          outboxId = await this.outbound.queueReply(tx, {
            ticketId,
            ticketSubject: ticket.subject,
            messageId: message.id,
            text: input.text,
            to: { address: creator.email, name: creator.username },
          });
        }
      }
      return { view: toMessageView({ message, author: operator }), outboxId };
    });
    await this.outbound.dispatch([outboxId]);
    return view;
  }

  async list(
    caller: Caller,
    ticketId: number,
    query: Static<typeof ListMessagesQuery>,
  ): Promise<{ items: MessageView[]; nextCursor: string | null }> {
    const after = query.cursor ? decodeCursor(query.cursor) : undefined;
    const { result: rows, reader } = await runAsCaller(
      caller,
      (reader) => this.listPage({ ticketId, reader, after, limit: query.limit + 1 }),
      (rows) => rows.length > 0,
    );
    // Rows prove the caller may read the ticket (the page query checks it); an empty page may be a ticket
    // they cannot see, which is a 404, not an empty list.
    if (rows.length === 0) {
      const ticket = await tickets.findById(this.db, ticketId);
      if (!ticket || !canRead(reader, ticket)) throw errors.ticketNotFound();
    }
    const page = paginate(rows, query.limit, ({ message }) => ({ createdAt: message.createdAt, id: message.id }));
    // One query for the whole page's files, not one per message, and none when no message has any.
    const files = await attachmentRepository.listForMessages(
      this.db,
      page.items.filter(({ hasAttachments }) => hasAttachments).map(({ message }) => message.id),
    );
    const byMessage = new Map<number | null, typeof files>();
    for (const file of files) byMessage.set(file.messageId, [...(byMessage.get(file.messageId) ?? []), file]);
    return {
      items: page.items.map((row) => toMessageView(row, byMessage.get(row.message.id) ?? [])),
      nextCursor: page.nextCursor,
    };
  }
}
