import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config.js';
import type { MailboxWatcher } from '../email/inbound/mailbox-watcher.js';
import { declaredJobs } from '../jobs/catalog.js';
import type { JobRunner } from '../jobs/job.js';
import { JobRegistry } from '../jobs/registry.js';
import { sweepSlaJob } from '../jobs/sweep-sla-job.js';
import { type JobDependencies, jobHandlers } from './job-handlers.js';
import { MailboxLease } from './mailbox-lease.js';

/**
 * What a process runs besides answering requests: the jobs (with Redis, only a worker takes them), and the
 * support mailbox's watcher (in the API without Redis; with Redis, in whichever worker holds its lease).
 */
export class Background {
  private lease: MailboxLease | undefined;

  constructor(
    private readonly config: Config,
    readonly jobs: JobRunner,
    private readonly deps: JobDependencies & {
      mailSender: { close(): void };
      /** A process that can send mail says so in the database, for the processes that cannot. */
      mailChannel: { announce(): Promise<void>; reportAtStart(): Promise<void> };
    },
    readonly watcher: MailboxWatcher | undefined,
    private readonly log: FastifyBaseLogger,
    /** Wakes the webhook sweep when deliveries are recorded; where this process takes jobs. */
    private readonly waker?: { start(): Promise<void>; close(): Promise<void> },
  ) {}

  /** Whether this process watches the support mailbox now (holds its lease, with Redis). */
  get watchingMailbox(): boolean {
    return this.watcher?.running ?? false;
  }

  /** Checks the job registry (a declared job without a handler stops start-up), then starts. */
  async start(): Promise<void> {
    await this.deps.mailChannel.announce();
    await this.deps.mailChannel.reportAtStart();
    const intervals = { [sweepSlaJob.name]: this.config.sla.sweepIntervalMs };
    await this.jobs.start(new JobRegistry(declaredJobs, jobHandlers(this.deps), intervals));
    await this.waker?.start();
    if (!this.watcher) return;
    if (!this.config.redisUrl) {
      this.watcher.start();
      return;
    }
    this.lease = new MailboxLease(this.config.redisUrl, this.config.redisPrefix, this.watcher, this.log);
    await this.lease.start();
  }

  async close(): Promise<void> {
    try {
      await this.waker?.close();
      if (this.lease) await this.lease.close();
      else await this.watcher?.stop();
    } finally {
      await this.jobs.close();
      this.deps.mailSender.close();
    }
  }
}
