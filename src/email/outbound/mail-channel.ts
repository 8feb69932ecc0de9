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
  private known: Sending | undefined;
  private checkedAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly config: MailConfig,
    private readonly db: Db,
  ) {
    const { smtp, supportAddress, fromName } = config;
    if (smtp && supportAddress) this.known = { supportAddress, fromName };
  }

  /** This process can send mail itself. */
  get sendsHere(): boolean {
    return this.config.smtp !== undefined && this.config.supportAddress !== undefined;
  }

  /** A process that can send says so, for the processes that cannot (called at start-up and by the outbox sweep). */
  async announce(): Promise<void> {
    if (this.known && this.sendsHere) await channels.announce(this.db, this.known.supportAddress, this.known.fromName);
  }

  /** The channel, or undefined when no process of this deployment has announced one (yet). */
  async current(): Promise<Sending | undefined> {
    if (this.known || Date.now() - this.checkedAt < RECHECK_MS) return this.known;
    this.checkedAt = Date.now();
    const row = await channels.latest(this.db);
    if (row) this.known = { supportAddress: row.supportAddress, fromName: row.fromName };
    return this.known;
  }
}
