import type { FastifyBaseLogger } from 'fastify';
import type { MailConfig } from '../../config.js';
import type { Db } from '../../db/client.js';
import type { OutboxRow } from '../../db/schema.js';
import { eventRepository as events } from '../../events/event-repository.js';
import type { JobQueue } from '../../jobs/job.js';
import { sendEmailJob } from '../../jobs/send-email-job.js';
import { mailFailed, mailSent } from '../../lib/metrics.js';
import { currentRequestId, runWithRequest } from '../../lib/request-context.js';
import { whileUnavailable } from '../../lib/while-unavailable.js';
import { mailLogRepository } from '../log/mail-log-repository.js';
import { headerText } from '../rules/safe-header.js';
import { isPermanentSmtpError, type Mailer, type OutgoingMail } from './mailer.js';
import { outboxRepository as outboxRows } from './outbox-repository.js';

/** How long a sender may hold a row: well above the SMTP timeouts, so a live sender never loses its claim. */
const LEASE_MS = 120_000;
const RETRY_CAP_MS = 3_600_000;
/** A sent mail's record is retried through a database outage until this long before the claim runs out. */
const RECORD_MARGIN_MS = 10_000;

const AUTO_SUBMITTED: Record<OutboxRow['kind'], OutgoingMail['autoSubmitted']> = {
  reply: null,
  acknowledgement: 'auto-replied',
  verification: 'auto-generated',
  password_reset: 'auto-generated',
};
const REASON: Record<OutboxRow['kind'], string> = {
  reply: 'operator reply',
  acknowledgement: 'acknowledgement of a new ticket',
  verification: 'address verification',
  password_reset: 'password reset',
};
const HOLDS_A_CODE: ReadonlySet<OutboxRow['kind']> = new Set(['verification', 'password_reset']);
const CODE_NOT_KEPT = '(not kept: it held a single-use code)';

export type SendOutcome = 'sent' | 'retry' | 'failed' | 'skipped';

/**
 * Sends outbox rows (the `send-email` job) and requeues what the queue lost (the `sweep-outbox` job). A row
 * is sent once: a sender claims it with a lease and marks it sent; only a crash between SMTP's "accepted"
 * and that mark can send it again, and then with the same Message-ID, which mail clients show once.
 */
export class MailSender {
  constructor(
    private readonly config: MailConfig,
    private readonly db: Db,
    private readonly mailer: Mailer | undefined,
    private readonly queue: JobQueue,
    private readonly log: FastifyBaseLogger,
  ) {}

  /** One attempt at one row. Safe to call any number of times, from any number of workers. */
  async sendOne(outboxId: number): Promise<SendOutcome> {
    const { mailer } = this;
    const supportAddress = this.config.supportAddress;
    if (!mailer || !supportAddress) return 'skipped';
    const claimedBy = Date.now() + LEASE_MS - RECORD_MARGIN_MS;
    const row = await outboxRows.claim(this.db, outboxId, LEASE_MS);
    if (!row) return 'skipped';
    // Queued by the sweeper (Redis was away when the request ended), the job carries no request: the row does.
    if (row.requestId && currentRequestId() === undefined) {
      const reqId = row.requestId;
      return runWithRequest({ reqId }, () => this.deliver(row, mailer, supportAddress, claimedBy));
    }
    return this.deliver(row, mailer, supportAddress, claimedBy);
  }

  private async deliver(
    row: OutboxRow,
    mailer: Mailer,
    supportAddress: string,
    claimedBy: number,
  ): Promise<SendOutcome> {
    try {
      await mailer.send(this.toMail(row, supportAddress));
    } catch (error) {
      return this.failedAttempt(row, error);
    }
    // The server took the mail: the record must land while the claim holds, through a database restart too,
    // or the claim runs out and the next sender mails it again.
    const recorded = () =>
      this.db.transaction(async (tx) => {
        // A single-use code is not kept once it has left: neither the outbox nor the mail log holds it.
        await outboxRows.markSent(tx, row.id, HOLDS_A_CODE.has(row.kind) ? CODE_NOT_KEPT : undefined);
        await mailLogRepository.insert(tx, sentLogEntry(row, supportAddress));
        // The ticket's history says the mail left (an answer, an acknowledgement); the system sent it.
        if (row.ticketId !== null) {
          await events.insert(tx, [
            { ticketId: row.ticketId, type: 'email.sent', actorId: null, messageId: row.messageId },
          ]);
        }
      });
    await whileUnavailable(recorded, claimedBy);
    mailSent.inc();
    this.log.info({ outboxId: row.id, messageId: row.headerMessageId }, 'mail sent');
    return 'sent';
  }

  /** A 5xx, or the last attempt, fails the row for good (operators can resend); anything else waits and retries. */
  private async failedAttempt(row: OutboxRow, error: unknown): Promise<SendOutcome> {
    const attempts = row.attempts + 1;
    const permanent = isPermanentSmtpError(error) || attempts >= this.config.sendMaxAttempts;
    const retryInMs = permanent
      ? null
      : Math.min(this.config.retryBaseSeconds * 1000 * 2 ** (attempts - 1), RETRY_CAP_MS);
    await outboxRows.markFailedAttempt(
      this.db,
      row.id,
      error instanceof Error ? error.message : String(error),
      retryInMs,
    );
    mailFailed.inc({ final: String(retryInMs === null) });
    this.log.warn({ outboxId: row.id, attempts, retryInMs, err: error }, 'sending mail failed');
    // The next attempt on time; if this job is lost, the sweeper still finds the row when it is due.
    if (retryInMs !== null) {
      await this.queue
        .enqueue(sendEmailJob, { outboxId: row.id, attempt: attempts }, { delayMs: retryInMs })
        .catch((queueError: unknown) =>
          this.log.warn({ err: queueError, outboxId: row.id }, 'could not queue the retry'),
        );
    }
    return permanent ? 'failed' : 'retry';
  }

  private toMail(row: OutboxRow, supportAddress: string): OutgoingMail {
    return {
      from: { name: headerText(this.config.fromName), address: supportAddress },
      to: { name: row.toName, address: row.toAddress },
      replyTo: supportAddress,
      subject: headerText(row.subject, 900),
      text: row.bodyText,
      messageId: row.headerMessageId,
      inReplyTo: row.inReplyTo,
      references: row.references ? row.references.split(' ') : [],
      autoSubmitted: AUTO_SUBMITTED[row.kind],
    };
  }

  /** Queues every due row; job ids include the attempt, so a row already queued is not queued twice. */
  async sweep(): Promise<number> {
    if (!this.mailer || !this.config.supportAddress) return 0;
    const due = await outboxRows.findDue(this.db, 200);
    for (const row of due) await this.queue.enqueue(sendEmailJob, { outboxId: row.id, attempt: row.attempts });
    return due.length;
  }

  /** Closes the pooled SMTP connections (shutdown). */
  close(): void {
    this.mailer?.close();
  }
}

function sentLogEntry(row: OutboxRow, supportAddress: string) {
  return {
    mailbox: supportAddress,
    direction: 'outbound' as const,
    headerMessageId: row.headerMessageId,
    inReplyTo: row.inReplyTo,
    references: row.references,
    fromAddress: supportAddress,
    toAddresses: row.toAddress,
    subject: row.subject,
    bodyText: HOLDS_A_CODE.has(row.kind) ? CODE_NOT_KEPT : row.bodyText,
    sizeBytes: null,
    outcome: 'sent' as const,
    reason: REASON[row.kind],
    ticketId: row.ticketId,
    ticketMessageId: row.messageId,
    bounceOfId: null,
    uidValidity: null,
    uid: null,
  };
}
