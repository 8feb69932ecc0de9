import type { Static } from 'typebox';
import { type Actor, isStaff } from '../auth/actor.js';
import type { Db } from '../db/client.js';
import type { EmailMessageRow, MailboxStateRow, OutboxRow } from '../db/schema.js';
import { errors } from '../lib/errors.js';
import type { Mailbox, MailLogEntry, MailLogQuery, OutboxEntry, OutboxQuery } from '../routes/mail/schemas.js';
import { emailRepository, mailboxStateRepository } from './email-repository.js';
import type { OutboundMail } from './outbound/outbound-mail.js';
import { outboxRepository } from './outbound/outbox-repository.js';

type Page<T> = { items: T[]; nextCursor: string | null };

const iso = (date: Date | null) => (date ? date.toISOString() : null);

/** The mail lists page by id; a cursor beyond any id we issue is the client's mistake, not a database error. */
function idCursor(cursor: string | undefined): number | undefined {
  if (cursor === undefined) return undefined;
  const id = Number(cursor);
  if (!Number.isSafeInteger(id) || id < 1 || id > 2_147_483_647) throw errors.badCursor();
  return id;
}

function pageById<R extends { id: number }, V>(rows: R[], limit: number, view: (row: R) => V): Page<V> {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items: items.map(view), nextCursor: rows.length > limit && last ? String(last.id) : null };
}

/** What operators see of the email channel: mailboxes, the mail log, the outbox, and "send again". */
export class MailAdminService {
  constructor(
    private readonly db: Db,
    private readonly outbound: OutboundMail,
  ) {}

  private check(actor: Actor): void {
    if (!isStaff(actor)) throw errors.forbidden();
  }

  async mailboxes(actor: Actor): Promise<Static<typeof Mailbox>[]> {
    this.check(actor);
    return (await mailboxStateRepository.list(this.db)).map(toMailbox);
  }

  async log(actor: Actor, query: Static<typeof MailLogQuery>): Promise<Page<Static<typeof MailLogEntry>>> {
    this.check(actor);
    const rows = await emailRepository.list(this.db, {
      ticketId: query.ticket_id,
      outcome: query.outcome,
      beforeId: idCursor(query.cursor),
      limit: query.limit + 1,
    });
    return pageById(rows, query.limit, toLogEntry);
  }

  async outbox(actor: Actor, query: Static<typeof OutboxQuery>): Promise<Page<Static<typeof OutboxEntry>>> {
    this.check(actor);
    const rows = await outboxRepository.list(this.db, {
      ticketId: query.ticket_id,
      status: query.status,
      beforeId: idCursor(query.cursor),
      limit: query.limit + 1,
    });
    return pageById(rows, query.limit, toOutboxEntry);
  }

  async resend(actor: Actor, id: number): Promise<Static<typeof OutboxEntry>> {
    this.check(actor);
    const existing = await outboxRepository.findById(this.db, id);
    if (!existing) throw errors.outboxNotFound();
    if (existing.status === 'sent') throw errors.alreadySent();
    const row = await this.outbound.resend(id);
    if (!row) throw errors.alreadySent();
    return toOutboxEntry(row);
  }
}

function toMailbox(row: MailboxStateRow): Static<typeof Mailbox> {
  return {
    mailbox: row.mailbox,
    connected: row.connected,
    uid_validity: row.uidValidity,
    last_uid: row.lastUid,
    last_success_at: iso(row.lastSuccessAt),
    last_error_at: iso(row.lastErrorAt),
    last_error: row.lastError,
    consecutive_errors: row.consecutiveErrors,
  };
}

function toLogEntry(row: EmailMessageRow): Static<typeof MailLogEntry> {
  return {
    id: row.id,
    mailbox: row.mailbox,
    direction: row.direction,
    message_id: row.headerMessageId,
    in_reply_to: row.inReplyTo,
    from: row.fromAddress,
    to: row.toAddresses,
    subject: row.subject,
    outcome: row.outcome,
    reason: row.reason,
    ticket_id: row.ticketId,
    ticket_message_id: row.ticketMessageId,
    bounce_of_id: row.bounceOfId,
    size_bytes: row.sizeBytes,
    created_at: row.createdAt.toISOString(),
  };
}

function toOutboxEntry(row: OutboxRow): Static<typeof OutboxEntry> {
  return {
    id: row.id,
    kind: row.kind,
    ticket_id: row.ticketId,
    ticket_message_id: row.messageId,
    to: row.toAddress,
    subject: row.subject,
    message_id: row.headerMessageId,
    status: row.status,
    attempts: row.attempts,
    next_attempt_at: row.nextAttemptAt.toISOString(),
    last_error: row.lastError,
    sent_at: iso(row.sentAt),
    created_at: row.createdAt.toISOString(),
  };
}
