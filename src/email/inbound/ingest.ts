import type { FastifyBaseLogger } from 'fastify';
import type { MailConfig } from '../../config.js';
import type { Db } from '../../db/client.js';
import type { EmailMessageRow } from '../../db/schema.js';
import { mailReceived } from '../../lib/metrics.js';
import { mailLogRepository as mails, type NewEmailMessage } from '../log/mail-log-repository.js';
import type { Outbox } from '../outbound/outbox.js';
import { type InboundMail, MailParseError, parseMail } from '../parsing/parse-mail.js';
import { classifyAutomated } from '../rules/loop-rules.js';
import { cleanText, derivedId, indexableId } from './mail-ids.js';
import type { MailToTicket } from './mail-to-ticket.js';

export interface MailSource {
  mailbox: string;
  uidValidity: number | null;
  uid: number | null;
}

export type IngestOutcome = EmailMessageRow['outcome'] | 'already_processed';

export interface IngestResult {
  outcome: IngestOutcome;
  reason: string | null;
  ticketId: number | null;
}

class AlreadyRecorded extends Error {}

/**
 * Turns one raw mail into its effect — a new ticket, a reply on a ticket, or a logged drop — in one
 * transaction, recording the mail itself in the same one. Running it twice on the same mail is a no-op:
 * the Message-ID is unique per mailbox, so the caller may mark the mail \Seen only after this returns.
 */
export class MailIngest {
  constructor(
    private readonly db: Db,
    private readonly config: MailConfig,
    private readonly toTicket: MailToTicket,
    private readonly outbox: Outbox,
    private readonly log: FastifyBaseLogger,
  ) {}

  get maxBytes(): number {
    return this.config.maxBytes;
  }

  /**
   * `declaredSize` is the size the IMAP server reports: for a mail over the limit the caller fetches only
   * its header, which is enough to record the drop under the right Message-ID.
   */
  async ingest(raw: Buffer, source: MailSource, options: { declaredSize?: number } = {}): Promise<IngestResult> {
    const result = await this.take(raw, source, options);
    mailReceived.inc({ outcome: result.outcome });
    return result;
  }

  private async take(raw: Buffer, source: MailSource, options: { declaredSize?: number }): Promise<IngestResult> {
    const size = Math.max(options.declaredSize ?? 0, raw.length);
    let mail: InboundMail;
    try {
      mail = await parseMail(raw, { maxBytes: this.config.maxBytes });
    } catch (error) {
      if (!(error instanceof MailParseError)) throw error;
      return this.drop(source, { headerMessageId: derivedId(raw), sizeBytes: size }, `unparseable: ${error.message}`);
    }
    const headerMessageId = indexableId(mail.messageId);
    const base = { ...this.baseRow(mail, source, headerMessageId), sizeBytes: size };
    if (mail.tooLarge || size > this.config.maxBytes) return this.drop(source, base, `too large (${size} bytes)`);
    if (mail.attachments.length > this.config.maxAttachments) {
      const reason = `too many attachments (${mail.attachments.length}, at most ${this.config.maxAttachments})`;
      return this.drop(source, base, reason);
    }
    const own = this.config.supportAddress ? [this.config.supportAddress] : [];
    const automated = classifyAutomated(mail, own);
    if (automated) return this.dropAutomated(source, base, mail, automated);
    if (!mail.from?.address) return this.drop(source, base, 'no sender address');
    try {
      return await this.accept(mail, base);
    } catch (error) {
      if (error instanceof AlreadyRecorded) return this.recordDuplicate(source, base);
      throw error;
    }
  }

  /** Last resort for a mail that keeps failing: logged with the error, so the mailbox moves on. */
  async recordFailure(source: MailSource, raw: Buffer, error: string): Promise<void> {
    let headerMessageId = derivedId(raw);
    try {
      headerMessageId = indexableId((await parseMail(raw, { maxBytes: this.config.maxBytes })).messageId);
    } catch {
      // Unparseable: the digest of its bytes identifies it.
    }
    await this.drop(source, { headerMessageId, sizeBytes: raw.length }, `processing failed: ${error.slice(0, 500)}`);
  }

  private baseRow(mail: InboundMail, source: MailSource, headerMessageId: string): NewEmailMessage {
    return {
      mailbox: source.mailbox,
      direction: 'inbound',
      headerMessageId,
      inReplyTo: mail.inReplyTo.join(' ') || null,
      references: mail.references.join(' ') || null,
      fromAddress: mail.from?.address.slice(0, 254) ?? null,
      toAddresses: [...mail.to, ...mail.cc].join(', ') || null,
      subject: cleanText(mail.subject),
      bodyText: cleanText(mail.text),
      sizeBytes: mail.sizeBytes,
      outcome: 'dropped',
      reason: null,
      ticketId: null,
      ticketMessageId: null,
      bounceOfId: null,
      uidValidity: source.uidValidity,
      uid: source.uid,
    };
  }

  private async drop(source: MailSource, row: Partial<NewEmailMessage>, reason: string): Promise<IngestResult> {
    const full: NewEmailMessage = {
      ...this.baseRow(emptyMail, source, row.headerMessageId ?? '<unknown@derived.invalid>'),
      ...row,
      outcome: 'dropped',
      reason,
    };
    const created = await mails.insertOnce(this.db, full);
    if (!created) return this.recordDuplicate(source, full);
    this.log.info({ messageId: full.headerMessageId, reason }, 'mail dropped');
    return { outcome: 'dropped', reason, ticketId: null };
  }

  /** Bounces are linked to the mail of ours they return, so an operator sees which answer did not arrive. */
  private async dropAutomated(
    source: MailSource,
    base: NewEmailMessage,
    mail: InboundMail,
    automated: { kind: string; reason: string },
  ): Promise<IngestResult> {
    let bounceOfId: number | null = null;
    const original = mail.deliveryReport.originalMessageId;
    const support = this.config.supportAddress;
    if (automated.kind === 'bounce' && original && support) {
      const key = { mailbox: support, direction: 'outbound' as const, fromAddress: support, messageId: original };
      bounceOfId = (await mails.findRecorded(this.db, key))?.id ?? null;
    }
    return this.drop(source, { ...base, bounceOfId }, `${automated.kind}: ${automated.reason}`);
  }

  /**
   * Same Message-ID seen again. A re-fetch of the same mail (crash before \Seen, or a UIDVALIDITY resync)
   * is silent; a second copy delivered into the mailbox is logged as a duplicate.
   */
  private async recordDuplicate(source: MailSource, row: NewEmailMessage): Promise<IngestResult> {
    const first = await mails.findRecorded(this.db, {
      mailbox: source.mailbox,
      direction: 'inbound',
      fromAddress: row.fromAddress,
      messageId: row.headerMessageId,
    });
    const sameFetch = !first || first.uidValidity !== source.uidValidity || first.uid === source.uid;
    if (sameFetch || source.uid === null) {
      return { outcome: 'already_processed', reason: null, ticketId: first?.ticketId ?? null };
    }
    // This copy was logged as a duplicate already and is fetched again (a crash before \Seen): one entry.
    if (
      source.uidValidity !== null &&
      (await mails.findByUid(this.db, source.mailbox, source.uidValidity, source.uid))
    ) {
      return { outcome: 'already_processed', reason: null, ticketId: first.ticketId };
    }
    const reason = `duplicate of mail #${first.id}`;
    await mails.insert(this.db, { ...row, outcome: 'duplicate', reason, ticketId: first.ticketId });
    return { outcome: 'duplicate', reason, ticketId: first.ticketId };
  }

  private async accept(mail: InboundMail, base: NewEmailMessage): Promise<IngestResult> {
    const effect = await this.db.transaction(async (tx) => {
      const recorded = await mails.insertOnce(tx, { ...base, outcome: 'ticket_created' });
      if (!recorded) throw new AlreadyRecorded();
      return this.toTicket.apply(tx, mail, recorded.id, base.headerMessageId);
    });
    await this.outbox.dispatch([effect.acknowledgement]);
    this.log.info(
      { messageId: base.headerMessageId, outcome: effect.outcome, ticketId: effect.ticketId },
      'mail ingested',
    );
    return { outcome: effect.outcome, reason: effect.reason, ticketId: effect.ticketId };
  }
}

const emptyMail: InboundMail = {
  messageId: '',
  inReplyTo: [],
  references: [],
  from: null,
  to: [],
  cc: [],
  returnPath: null,
  subject: '',
  date: null,
  text: '',
  html: null,
  headers: {},
  authenticationResults: [],
  attachments: [],
  deliveryReport: { isReport: false, originalMessageId: null },
  sizeBytes: 0,
  tooLarge: false,
};
