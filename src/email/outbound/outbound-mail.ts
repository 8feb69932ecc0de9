import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { MailConfig } from '../../config.js';
import type { Db } from '../../db/client.js';
import type { OutboxRow } from '../../db/schema.js';
import { sendEmailJob } from '../../jobs/definitions.js';
import type { JobRunner } from '../../jobs/job.js';
import { emailRepository as mails } from '../email-repository.js';
import { headerText } from '../safe-header.js';
import { replySubject } from '../threading.js';
import { isPermanentSmtpError, type Mailer } from './mailer.js';
import { outboxRepository as outboxRows } from './outbox-repository.js';

/** How long a sender may hold a row: well above the SMTP timeouts, so a live sender never loses its claim. */
const LEASE_MS = 120_000;
const MAX_REFERENCES = 20;

export interface Recipient {
  address: string;
  name: string;
}

/**
 * Outgoing mail through the outbox: rows are written in the caller's transaction (so an answer and its
 * email are stored together or not at all), dispatched to the job queue after commit, and sent by
 * `sendOne`. The sweeper requeues whatever the queue lost. A row is sent once: a sender claims it with a
 * lease and marks it sent; only a crash between SMTP's "accepted" and that mark can send it again, and
 * then with the same Message-ID, which mail clients show once.
 */
export class OutboundMail {
  private jobs: JobRunner | undefined;

  constructor(
    private readonly db: Db,
    private readonly config: MailConfig,
    private readonly mailer: Mailer | undefined,
    private readonly log: FastifyBaseLogger,
  ) {}

  /** Outgoing mail is on when SMTP and the support address are configured. */
  get enabled(): boolean {
    return this.mailer !== undefined && this.config.supportAddress !== undefined;
  }

  useJobs(jobs: JobRunner): void {
    this.jobs = jobs;
  }

  private newMessageId(): string {
    const domain = this.config.supportAddress?.split('@')[1] ?? 'service-desk.invalid';
    return `<${randomUUID()}@${domain}>`;
  }

  /** References: the ticket's mail ids, the first kept (the thread root) and the latest ones. */
  private async threadHeaders(tx: Db, ticketId: number): Promise<{ inReplyTo: string | null; references: string }> {
    const thread = await mails.threadIds(tx, ticketId);
    const ids = thread.map((t) => t.id);
    const references = ids.length > MAX_REFERENCES ? [ids[0] as string, ...ids.slice(-(MAX_REFERENCES - 1))] : ids;
    const lastInbound = [...thread].reverse().find((t) => t.direction === 'inbound');
    return { inReplyTo: lastInbound?.id ?? ids[ids.length - 1] ?? null, references: references.join(' ') };
  }

  /** An operator's public answer, to the ticket's creator. Returns the outbox id, or undefined when mail is off. */
  async queueReply(
    tx: Db,
    input: { ticketId: number; ticketSubject: string; messageId: number; text: string; to: Recipient },
  ): Promise<number | undefined> {
    if (!this.enabled) return undefined;
    const thread = await this.threadHeaders(tx, input.ticketId);
    const row = await outboxRows.insert(tx, {
      kind: 'reply',
      ticketId: input.ticketId,
      messageId: input.messageId,
      toAddress: input.to.address,
      toName: headerText(input.to.name),
      subject: replySubject(input.ticketSubject, input.ticketId),
      bodyText: `${input.text}\n\n-- \n${this.config.fromName}\n`,
      headerMessageId: this.newMessageId(),
      inReplyTo: thread.inReplyTo,
      references: thread.references || null,
    });
    return row.id;
  }

  /**
   * The automatic "we got it" for a ticket opened by email. Capped per recipient per hour: a runaway
   * partner (a robot that answers every mail without saying so) gets a few, not thousands.
   */
  async queueAcknowledgement(
    tx: Db,
    input: { ticketId: number; ticketSubject: string; inReplyTo: string; to: Recipient },
  ): Promise<number | undefined> {
    if (!this.enabled) return undefined;
    const recent = await outboxRows.countRecentAutomatic(tx, input.to.address, 3_600_000);
    if (recent >= this.config.autoReplyLimitPerHour) {
      this.log.warn({ to: input.to.address, recent }, 'acknowledgement not sent: hourly cap for this recipient');
      return undefined;
    }
    const row = await outboxRows.insert(tx, {
      kind: 'acknowledgement',
      ticketId: input.ticketId,
      messageId: null,
      toAddress: input.to.address,
      toName: headerText(input.to.name),
      subject: replySubject(input.ticketSubject, input.ticketId),
      bodyText:
        `Hello,\n\nWe have received your request and opened ticket #${input.ticketId}. ` +
        'Reply to this email to add to it; please keep the ticket number in the subject.\n\n' +
        `-- \n${this.config.fromName}\n`,
      headerMessageId: this.newMessageId(),
      inReplyTo: input.inReplyTo,
      references: input.inReplyTo,
    });
    return row.id;
  }

  /** After commit: queue the rows. A failure here loses nothing; the sweeper finds the rows. */
  async dispatch(ids: (number | undefined)[]): Promise<void> {
    for (const outboxId of ids) {
      if (outboxId === undefined || !this.jobs) continue;
      try {
        await this.jobs.enqueue(sendEmailJob, { outboxId, attempt: 0 });
      } catch (error) {
        this.log.warn({ err: error, outboxId }, 'could not queue mail; the sweeper will');
      }
    }
  }

  /** One attempt at one row. Safe to call any number of times, from any number of workers. */
  async sendOne(outboxId: number): Promise<'sent' | 'retry' | 'failed' | 'skipped'> {
    if (!this.mailer || !this.config.supportAddress) return 'skipped';
    const row = await outboxRows.claim(this.db, outboxId, LEASE_MS);
    if (!row) return 'skipped';
    try {
      await this.mailer.send(this.toMail(row, this.config.supportAddress));
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const attempts = row.attempts + 1;
      const permanent = isPermanentSmtpError(error) || attempts >= this.config.sendMaxAttempts;
      const retryInMs = permanent
        ? null
        : Math.min(this.config.retryBaseSeconds * 1000 * 2 ** (attempts - 1), 3_600_000);
      await outboxRows.markFailedAttempt(this.db, row.id, message, retryInMs);
      this.log.warn({ outboxId, attempts, retryInMs, err: error }, 'sending mail failed');
      // The next attempt on time; if this job is lost, the sweeper still finds the row when it is due.
      if (retryInMs !== null) {
        await this.jobs
          ?.enqueue(sendEmailJob, { outboxId, attempt: attempts }, { delayMs: retryInMs })
          .catch((queueError: unknown) => this.log.warn({ err: queueError, outboxId }, 'could not queue the retry'));
      }
      return permanent ? 'failed' : 'retry';
    }
    await this.db.transaction(async (tx) => {
      await outboxRows.markSent(tx, row.id);
      await mails.insert(tx, {
        mailbox: this.config.supportAddress as string,
        direction: 'outbound',
        headerMessageId: row.headerMessageId,
        inReplyTo: row.inReplyTo,
        references: row.references,
        fromAddress: this.config.supportAddress as string,
        toAddresses: row.toAddress,
        subject: row.subject,
        bodyText: row.bodyText,
        sizeBytes: null,
        outcome: 'sent',
        reason: row.kind === 'acknowledgement' ? 'acknowledgement of a new ticket' : 'operator reply',
        ticketId: row.ticketId,
        ticketMessageId: row.messageId,
        bounceOfId: null,
        uidValidity: null,
        uid: null,
      });
    });
    this.log.info({ outboxId, messageId: row.headerMessageId }, 'mail sent');
    return 'sent';
  }

  private toMail(row: OutboxRow, supportAddress: string) {
    return {
      from: { name: headerText(this.config.fromName), address: supportAddress },
      to: { name: row.toName, address: row.toAddress },
      replyTo: supportAddress,
      subject: headerText(row.subject, 900),
      text: row.bodyText,
      messageId: row.headerMessageId,
      inReplyTo: row.inReplyTo,
      references: row.references ? row.references.split(' ') : [],
      automatic: row.kind === 'acknowledgement',
    };
  }

  /** Queues every due row; job ids include the attempt, so a row already queued is not queued twice. */
  async sweep(): Promise<number> {
    if (!this.enabled || !this.jobs) return 0;
    const due = await outboxRows.findDue(this.db, 200);
    for (const row of due) await this.jobs.enqueue(sendEmailJob, { outboxId: row.id, attempt: row.attempts });
    return due.length;
  }

  async resend(id: number): Promise<OutboxRow | undefined> {
    const row = await outboxRows.requeue(this.db, id);
    if (row) await this.dispatch([row.id]);
    return row;
  }
}
