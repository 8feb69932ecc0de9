import type { FastifyBaseLogger } from 'fastify';
import type { MailConfig } from '../../config.js';
import type { Db } from '../../db/client.js';
import { mailChannelRepository as channels } from './mail-channel-repository.js';

export interface Sending {
  supportAddress: string;
  fromName: string;
}

/**
 * Whether this deployment sends mail, and from which address. A process with SMTP settings and a support
 * address knows it and announces it in the database; a process without them (an API in front of workers,
 * as the distributed set-up runs) learns it from there. So an operator's answer taken by such an API is
 * written to the outbox and mailed by a worker, instead of being silently never mailed: the database
 * knows the deployment has a mail channel, not each process's environment.
 *
 * Without Redis there are no workers: this process is the only sender, so its own settings decide (a
 * channel an earlier configuration announced would fill an outbox nobody sends).
 */
export class MailChannel {
  /** This process's own channel: its SMTP settings and support address, when it has both. */
  private readonly own: Sending | undefined;
  private known: Sending | undefined;

  constructor(
    config: MailConfig,
    private readonly db: Db,
    private readonly options: { workersSend: boolean; log: FastifyBaseLogger },
  ) {
    const { smtp, supportAddress, fromName } = config;
    this.own = smtp && supportAddress ? { supportAddress, fromName } : undefined;
    this.known = this.own;
  }

  /** Whether a worker, not this process, would send this process's mail. */
  get relies(): boolean {
    return !this.own && this.options.workersSend;
  }

  /** A process that can send says so at start-up, for the processes of the same database that cannot. */
  async announce(): Promise<void> {
    if (this.own) await channels.announce(this.db, this.own.supportAddress, this.own.fromName);
  }

  /**
   * The channel, or undefined when no process of this deployment has announced one (yet): asked of the
   * database each time until one has (a single-row read, only in that state). Inside a transaction pass
   * it as `db`: PGlite has one connection, and a look-up outside the transaction that holds it would wait
   * for it for ever.
   */
  async current(db: Db = this.db): Promise<Sending | undefined> {
    if (this.known || !this.relies) return this.known;
    const row = await channels.latest(db);
    if (row) {
      this.known = { supportAddress: row.supportAddress, fromName: row.fromName };
      this.options.log.info(
        { supportAddress: row.supportAddress },
        'mail channel found: answers go to the outbox, a worker with SMTP settings mails them',
      );
    }
    return this.known;
  }

  /**
   * Said at start-up by a process that relies on workers to mail and knows of none yet (a first start, the
   * APIs up before any worker): until one announces itself, answers are saved but not emailed.
   */
  async reportAtStart(): Promise<void> {
    if (this.relies && !(await this.current())) {
      this.options.log.warn(
        { setting: 'smtp_host' },
        'no worker with SMTP settings has started on this database yet: answers are not emailed until one does',
      );
    }
  }
}
