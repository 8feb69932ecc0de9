import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { MailConfig } from '../../config.js';
import type { Db } from '../../db/client.js';
import type { EmailTokenPurpose, OutboxRow } from '../../db/schema.js';
import type { JobQueue } from '../../jobs/job.js';
import { sendEmailJob } from '../../jobs/send-email-job.js';
import { settleWithin } from '../../lib/settle-within.js';
import type { AnswerMail, Recipient } from '../../messages/message-service.js';
import type { AccountMail } from '../../users/account-service.js';
import { mailLogRepository } from '../log/mail-log-repository.js';
import { headerText } from '../rules/safe-header.js';
import type { MailChannel, Sending } from './mail-channel.js';
import { acknowledgementMail, passwordResetMail, replyMail, verificationMail } from './mail-templates.js';
import { outboxRepository as outboxRows } from './outbox-repository.js';

const MAX_REFERENCES = 20;
/**
 * How long a request waits for its mail to be queued. With Redis down, queueing would wait for Redis to
 * return (an operator's answer took as long as the outage); the row is committed already, and the outbox
 * sweeper (every 5 s) queues whatever is pending, so the request does not wait longer than this.
 */
const QUEUE_WAIT_MS = 500;
const HOUR_MS = 3_600_000;

/**
 * Outgoing mail is written to the outbox in the caller's transaction (an answer and its email are stored
 * together or not at all) and queued after commit; `mail-sender.ts` sends it. The Message-ID is fixed when
 * the row is written, so every attempt reuses it.
 */
export class Outbox implements AnswerMail, AccountMail {
  constructor(
    private readonly config: MailConfig,
    private readonly db: Db,
    private readonly queue: JobQueue,
    private readonly log: FastifyBaseLogger,
    private readonly channel: MailChannel,
  ) {}

  /**
   * Outgoing mail is on when this deployment has a mail channel: this process's SMTP settings, or a worker
   * of the same database that announced it (mail-channel.ts).
   */
  async sends(db?: Db): Promise<boolean> {
    return (await this.channel.current(db)) !== undefined;
  }

  private newMessageId(sending: Sending): string {
    return `<${randomUUID()}@${sending.supportAddress.split('@')[1]}>`;
  }

  /** References: the ticket's mail ids, the first kept (the thread root) and the latest ones. */
  private async threadHeaders(tx: Db, ticketId: number): Promise<{ inReplyTo: string | null; references: string }> {
    const thread = await mailLogRepository.threadIds(tx, ticketId);
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
    const sending = await this.channel.current(tx);
    if (!sending) return undefined;
    const thread = await this.threadHeaders(tx, input.ticketId);
    const row = await outboxRows.insert(tx, {
      kind: 'reply',
      ticketId: input.ticketId,
      messageId: input.messageId,
      toAddress: input.to.address,
      toName: headerText(input.to.name),
      ...replyMail({ ...input, fromName: sending.fromName }),
      headerMessageId: this.newMessageId(sending),
      inReplyTo: thread.inReplyTo,
      references: thread.references || null,
    });
    return row.id;
  }

  /** The automatic "we got it" for a ticket opened by email, within the caps below. */
  async queueAcknowledgement(
    tx: Db,
    input: { ticketId: number; ticketSubject: string; inReplyTo: string; to: Recipient },
  ): Promise<number | undefined> {
    const sending = await this.channel.current(tx);
    if (!sending || !(await this.acknowledgementAllowed(tx, input.to.address))) return undefined;
    const row = await outboxRows.insert(tx, {
      kind: 'acknowledgement',
      ticketId: input.ticketId,
      messageId: null,
      toAddress: input.to.address,
      toName: headerText(input.to.name),
      ...acknowledgementMail({ ...input, fromName: sending.fromName }),
      headerMessageId: this.newMessageId(sending),
      inReplyTo: input.inReplyTo,
      references: input.inReplyTo,
    });
    return row.id;
  }

  /** Mail about an account: a verification or password-reset code, to the account's own address. */
  async queueAccountMail(
    tx: Db,
    input: { purpose: EmailTokenPurpose; to: Recipient; token: string; expiresInMs: number },
  ): Promise<number | undefined> {
    const sending = await this.channel.current(tx);
    if (!sending) return undefined;
    const { fromName } = sending;
    const { publicUrl } = this.config;
    const mail =
      input.purpose === 'verify_email'
        ? verificationMail({ username: input.to.name, token: input.token, publicUrl, fromName })
        : passwordResetMail({ token: input.token, publicUrl, fromName });
    const row = await outboxRows.insert(tx, {
      kind: input.purpose === 'verify_email' ? 'verification' : 'password_reset',
      ticketId: null,
      messageId: null,
      toAddress: input.to.address,
      toName: headerText(input.to.name),
      ...mail,
      headerMessageId: this.newMessageId(sending),
      inReplyTo: null,
      references: null,
    });
    return row.id;
  }

  /**
   * Caps on automatic answers: per recipient per hour (a robot that answers every mail without saying so
   * gets a few, not thousands), and in all per hour (a flood of forged senders cannot make us mail the world).
   */
  private async acknowledgementAllowed(tx: Db, to: string): Promise<boolean> {
    const recent = await outboxRows.countRecentAutomatic(tx, to, HOUR_MS);
    if (recent >= this.config.autoReplyLimitPerHour) {
      this.log.warn({ to, recent }, 'acknowledgement not sent: hourly cap for this recipient');
      return false;
    }
    if (!this.config.limitsEnabled) return true;
    const all = await outboxRows.countRecentAutomatic(tx, undefined, HOUR_MS);
    if (all >= this.config.acknowledgementsPerHour) {
      this.log.warn({ to, all }, 'acknowledgement not sent: hourly cap for all acknowledgements');
      return false;
    }
    return true;
  }

  /** After commit: queue the rows, waiting at most QUEUE_WAIT_MS. Nothing is lost either way: the sweeper finds them. */
  /** Mails waiting to be sent, and how long the oldest has waited (metrics). */
  backlog(): Promise<{ backlog: number; oldestAgeSeconds: number }> {
    return outboxRows.backlog(this.db);
  }

  async dispatch(ids: (number | undefined)[]): Promise<void> {
    const queued = ids
      .filter((outboxId) => outboxId !== undefined)
      .map((outboxId) =>
        this.queue.enqueue(sendEmailJob, { outboxId, attempt: 0 }).catch((error: unknown) => {
          this.log.warn({ err: error, outboxId }, 'could not queue mail; the sweeper will');
        }),
      );
    if (queued.length === 0) return;
    if (!(await settleWithin(Promise.all(queued), QUEUE_WAIT_MS))) {
      this.log.warn({ waitedMs: QUEUE_WAIT_MS }, 'queue slow to answer: mail left to the sweeper');
    }
  }

  /** An operator's "send again": back to pending, due now, and queued. */
  async resend(id: number): Promise<OutboxRow | undefined> {
    const row = await outboxRows.requeue(this.db, id);
    if (row) await this.dispatch([row.id]);
    return row;
  }
}
