import type { Static } from 'typebox';
import { type Caller, isStaff } from '../../access/caller.js';
import type { Db } from '../../db/client.js';
import { type Cursor, decodeCursor, paginate } from '../../lib/cursor.js';
import { errors } from '../../lib/errors.js';
import type { Page } from '../../lib/schemas.js';
import type { Outbox } from '../outbound/outbox.js';
import { outboxRepository } from '../outbound/outbox-repository.js';
import { mailLogRepository } from './mail-log-repository.js';
import {
  type MailboxView,
  type MailLogEntryView,
  type MailLogQuery,
  type OutboxEntryView,
  type OutboxQuery,
  toMailboxView,
  toMailLogEntryView,
  toOutboxEntryView,
} from './mail-schemas.js';
import { mailboxStateRepository } from './mailbox-state-repository.js';

/** What operators see of the email channel: mailboxes, the mail log, the outbox, and "send again". */
export class MailAdminService {
  constructor(
    private readonly db: Db,
    private readonly outbox: Outbox,
  ) {}

  private async check(caller: Caller): Promise<void> {
    if (!isStaff(await caller.user())) throw errors.forbidden();
  }

  async mailboxes(caller: Caller): Promise<MailboxView[]> {
    await this.check(caller);
    return (await mailboxStateRepository.list(this.db)).map(toMailboxView);
  }

  async log(caller: Caller, query: Static<typeof MailLogQuery>): Promise<Page<MailLogEntryView>> {
    await this.check(caller);
    const { ticket_id: ticketId, outcome } = query;
    return this.page(
      query,
      (before, limit) => mailLogRepository.list(this.db, { ticketId, outcome, before, limit }),
      toMailLogEntryView,
    );
  }

  async outboxEntries(caller: Caller, query: Static<typeof OutboxQuery>): Promise<Page<OutboxEntryView>> {
    await this.check(caller);
    const { ticket_id: ticketId, status } = query;
    return this.page(
      query,
      (before, limit) => outboxRepository.list(this.db, { ticketId, status, before, limit }),
      toOutboxEntryView,
    );
  }

  /** Newest first, keyset-paginated (lib/cursor.ts). */
  private async page<R extends { createdAt: Date; id: number }, V>(
    query: { cursor?: string; limit: number },
    list: (before: Cursor | undefined, limit: number) => Promise<R[]>,
    view: (row: R) => V,
  ): Promise<Page<V>> {
    const rows = await list(query.cursor ? decodeCursor(query.cursor) : undefined, query.limit + 1);
    const page = paginate(rows, query.limit, (row) => ({ createdAt: row.createdAt, id: row.id }));
    return { items: page.items.map(view), nextCursor: page.nextCursor };
  }

  async resend(caller: Caller, id: number): Promise<OutboxEntryView> {
    await this.check(caller);
    const existing = await outboxRepository.findById(this.db, id);
    if (!existing) throw errors.outboxNotFound();
    if (existing.status === 'sent') throw errors.alreadySent();
    const row = await this.outbox.resend(id);
    if (!row) throw errors.alreadySent();
    return toOutboxEntryView(row);
  }
}
