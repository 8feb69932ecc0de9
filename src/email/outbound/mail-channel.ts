import type { MailConfig } from '../../config.js';
import type { Db } from '../../db/client.js';
import { mailChannelRepository as channels } from './mail-channel-repository.js';

/** How often a process that knows no channel asks the database again (a worker may have started since). */
const RECHECK_MS = 5_000;

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
 */
export class MailChannel {
  /** This process's own channel: its SMTP settings and support address, when it has both. */
  private readonly own: Sending | undefined;
  private known: Sending | undefined;
  private checkedAt = Number.NEGATIVE_INFINITY;

  constructor(
    config: MailConfig,
    private readonly db: Db,
  ) {
    const { smtp, supportAddress, fromName } = config;
    this.own = smtp && supportAddress ? { supportAddress, fromName } : undefined;
    this.known = this.own;
  }

  /** A process that can send says so at start-up, for the processes of the same database that cannot. */
  async announce(): Promise<void> {
    if (this.own) await channels.announce(this.db, this.own.supportAddress, this.own.fromName);
  }

  /**
   * The channel, or undefined when no process of this deployment has announced one (yet). Inside a
   * transaction pass it as `db`: PGlite has one connection, and a look-up outside the transaction that
   * holds it would wait for it for ever.
   */
  async current(db: Db = this.db): Promise<Sending | undefined> {
    if (this.known || Date.now() - this.checkedAt < RECHECK_MS) return this.known;
    this.checkedAt = Date.now();
    const row = await channels.latest(db);
    if (row) this.known = { supportAddress: row.supportAddress, fromName: row.fromName };
    return this.known;
  }
}
