import type { Static } from 'typebox';
import type { Caller, Standing } from '../access/caller.js';
import { asCaller, readInput, ticketIsOpenTo } from '../access/ticket-access.js';
import type { AttachmentService } from '../attachments/attachment-service.js';
import type { Config } from '../config.js';
import type { Db } from '../db/client.js';
import { isUniqueViolation } from '../db/errors.js';
import type { UserRow } from '../db/schema.js';
import { decodeCursor, paginate } from '../lib/cursor.js';
import { errors } from '../lib/errors.js';
import { checkHourlyLimit, HOUR_MS } from '../lib/hourly-limit.js';
import type { Page } from '../lib/schemas.js';
import { refreshTicketSla } from '../sla/ticket-sla.js';
import { ticketRepository as tickets } from '../tickets/ticket-repository.js';
import { userRepository as users } from '../users/user-repository.js';
import type { Viewer } from '../users/user-schemas.js';
import {
  messageRepository as messages,
  type NewMessage,
  type PostedMessage,
  type Writer,
} from './message-repository.js';
import { type CreateMessageBody, type ListMessagesQuery, type MessageView, toMessageView } from './message-schemas.js';

/**
 * Mails a customer an operator's public answer: the outbox row joins the answer's transaction (`tx`), and is
 * queued once that commits. Implemented by the email channel (email/outbound/outbox.ts).
 */
export interface AnswerMail {
  /** This deployment mails answers (some process can send; the row waits in the outbox until one does). */
  sends(): Promise<boolean>;
  queueReply(
    tx: Db,
    reply: { ticketId: number; ticketSubject: string; messageId: number; text: string; to: Recipient },
  ): Promise<number | undefined>;
  dispatch(outboxIds: (number | undefined)[]): Promise<void>;
}

/** Who a mail goes to: the address, and the name shown with it. */
export interface Recipient {
  address: string;
  name: string;
}

type CreateMessage = Static<typeof CreateMessageBody>;

export interface MessageServiceOptions {
  /** What customers see as a staff account's address (the support address). */
  staffEmail: string;
  limits: Config['limits'];
}

export class MessageService {
  constructor(
    private readonly db: Db,
    private readonly answerMail: AnswerMail,
    private readonly attachments: AttachmentService,
    private readonly options: MessageServiceOptions,
  ) {}

  private viewer(as: Standing): Viewer {
    return { standing: as, staffEmail: this.options.staffEmail };
  }

  /**
   * A message on a ticket, through any channel (the API, a mail): the one way messages are written. One
   * statement, which also applies what a message does to its ticket (see `statusAfterMessage`); nothing
   * back when there is no ticket this writer may write on. `db` may be the channel's transaction.
   */
  async post(
    db: Db,
    author: Caller,
    writer: Writer,
    ticketId: number,
    message: NewMessage,
  ): Promise<PostedMessage | undefined> {
    const posted = await messages.post(db, author, writer, ticketId, message);
    // A reopening restarted the resolution clock in that statement; its due time is counted here.
    if (posted && posted.ticket.previousStatus === 'closed' && posted.ticket.status !== 'closed') {
      await refreshTicketSla(db, posted.ticket.id);
    }
    return posted;
  }

  /** POST /tickets/{id}/messages. With an idempotency key, a retry finds the message (and the one email) its first attempt created. */
  async create(caller: Caller, ticketId: number, input: CreateMessage, idempotencyKey?: string): Promise<MessageView> {
    const rowKey = idempotencyKey ? `${caller.id}:${idempotencyKey}` : null;
    // Staff powers (an internal note; a public answer, which emails the customer) are never granted on a
    // guess: unless the guess already picks the statement that checks exactly this, the account is loaded.
    const oneStatement = input.internal ? caller.seenAs === 'staff' : caller.seenAs === 'customer';
    const mails = !input.internal && (await this.answerMail.sends());
    if ((input.internal || mails) && !oneStatement) await caller.user();
    await this.checkLimit(caller);
    try {
      const { result: view } = await asCaller(
        caller,
        (as) => this.write(caller, as, ticketId, input, rowKey, mails),
        (view) => view !== undefined,
      );
      // The seed answers an unknown ticket here with 400 and its own text.
      if (!view) throw errors.ticketToAnswerNotFound(ticketId);
      return view;
    } catch (error) {
      if (!rowKey || !isUniqueViolation(error, 'messages_idempotency_key_key')) throw error;
      const existing = await messages.findByIdempotencyKey(this.db, rowKey);
      if (!existing) throw error;
      return toMessageView({ message: existing, author: await caller.user() });
    }
  }

  /** Messages per user per hour (MESSAGES_PER_USER_PER_HOUR; RATE_LIMITS=off lifts it). */
  private async checkLimit(caller: Caller): Promise<void> {
    if (!this.options.limits.enabled) return;
    const max = this.options.limits.messagesPerUserPerHour;
    checkHourlyLimit(await messages.nthNewestSince(this.db, caller.id, max, HOUR_MS), max, 'messages');
  }

  /** Only an operator's public answer can send an email (then the outbox row joins a transaction); else one statement. */
  private async write(
    caller: Caller,
    as: Standing,
    ticketId: number,
    input: CreateMessage,
    rowKey: string | null,
    mails: boolean,
  ): Promise<MessageView | undefined> {
    if (input.internal && as !== 'staff') throw errors.forbidden('Only operators can write internal notes');
    if (as === 'staff' && mails) {
      return this.answerByMail(caller, ticketId, input.text, rowKey);
    }
    const message = { text: input.text, internal: input.internal, channel: 'api' as const, idempotencyKey: rowKey };
    const written = await this.post(this.db, caller, as, ticketId, message);
    return written && toMessageView(written);
  }

  /** An operator's public answer: the message, and the email to the customer in the same transaction. */
  private async answerByMail(caller: Caller, ticketId: number, text: string, rowKey: string | null) {
    const operator = await caller.user();
    const { view, outboxId } = await this.db.transaction(async (tx) => {
      const earlier = rowKey ? await messages.findByIdempotencyKey(tx, rowKey) : undefined;
      if (earlier) return { view: toMessageView({ message: earlier, author: operator }), outboxId: undefined };
      const message = { text, internal: false, channel: 'api' as const, idempotencyKey: rowKey };
      const posted = await this.post(tx, caller, 'staff', ticketId, message);
      // The seed answers an unknown ticket here with 400 and its own text.
      if (!posted) throw errors.ticketToAnswerNotFound(ticketId);
      return { view: toMessageView(posted), outboxId: await this.mailCustomer(tx, posted, operator) };
    });
    await this.answerMail.dispatch([outboxId]);
    return view;
  }

  /**
   * The customer gets the answer by mail: a ticket that came by mail is answered to the address it came
   * from; a ticket opened through the API only to an address its account has verified (no mail to an
   * address someone typed at sign-up). Not when the operator answers their own ticket or the customer is gone.
   */
  private async mailCustomer(tx: Db, posted: PostedMessage, operator: UserRow): Promise<number | undefined> {
    if (posted.ticket.creatorId === operator.id) return undefined;
    const creator = await users.findById(tx, posted.ticket.creatorId);
    if (!creator?.isActive) return undefined;
    if (posted.ticket.channel === 'api' && creator.emailVerifiedAt === null) return undefined;
    return this.answerMail.queueReply(tx, {
      ticketId: posted.ticket.id,
      ticketSubject: posted.ticket.subject,
      messageId: posted.message.id,
      text: posted.message.text,
      to: { address: creator.email, name: creator.username },
    });
  }

  async list(caller: Caller, ticketId: number, query: Static<typeof ListMessagesQuery>): Promise<Page<MessageView>> {
    const after = query.cursor ? await readInput(caller, () => decodeCursor(query.cursor as string)) : undefined;
    const { result: rows, as } = await asCaller(
      caller,
      (as) => messages.pageAs(this.db, caller, as, { ticketId, after, limit: query.limit + 1 }),
      (rows) => rows.length > 0,
    );
    // Rows prove the caller may read the ticket (the page query checks it); an empty page may be a ticket
    // they cannot see, which is a 404, not an empty list.
    if (rows.length === 0) {
      const ticket = await tickets.findById(this.db, ticketId);
      if (!ticket || !ticketIsOpenTo(await caller.user(), ticket)) throw errors.ticketNotFound();
    }
    const page = paginate(rows, query.limit, ({ message }) => ({ createdAt: message.createdAt, id: message.id }));
    const withFiles = page.items.filter(({ hasAttachments }) => hasAttachments).map(({ message }) => message.id);
    const files = withFiles.length > 0 ? await this.attachments.summariesByMessage(withFiles) : new Map();
    return {
      items: page.items.map((row) => toMessageView(row, this.viewer(as), files.get(row.message.id) ?? [])),
      nextCursor: page.nextCursor,
    };
  }
}
