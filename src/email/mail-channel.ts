import type { FastifyBaseLogger } from 'fastify';
import { Redis } from 'ioredis';
import type { Config } from '../config.js';
import type { Db } from '../db/client.js';
import { BullmqRunner } from '../jobs/bullmq-runner.js';
import { sendEmailJob, sweepOutboxJob } from '../jobs/definitions.js';
import { InProcessRunner } from '../jobs/in-process-runner.js';
import { type JobRunner, register } from '../jobs/job.js';
import { LeaderLease } from '../jobs/leader-lease.js';
import { JobRegistry } from '../jobs/registry.js';
import { MailIngest } from './inbound/ingest.js';
import { MailboxWatcher } from './inbound/mailbox-watcher.js';
import { createMailer } from './outbound/mailer.js';
import { OutboundMail } from './outbound/outbound-mail.js';

const SWEEP_EVERY_MS = 5_000;

/**
 * The email channel of one process. `role` says what this process does:
 * - `api` with Redis: only queues jobs; `npm run worker` processes take them and watch the mailbox.
 * - `api` without Redis (the embedded default): runs the same jobs and the watcher in this process.
 * - `worker`: takes jobs from Redis, and watches the mailbox while it holds the mailbox's lease.
 */
export class MailChannel {
  readonly outbound: OutboundMail;
  readonly ingest: MailIngest;
  readonly watcher: MailboxWatcher | undefined;
  readonly jobs: JobRunner;
  private lease: LeaderLease | undefined;
  private leaseTimer: NodeJS.Timeout | undefined;
  private redis: Redis | undefined;

  constructor(
    private readonly config: Config,
    db: Db,
    private readonly log: FastifyBaseLogger,
    private readonly role: 'api' | 'worker',
  ) {
    const mailer = config.mail.smtp ? createMailer(config.mail.smtp) : undefined;
    this.outbound = new OutboundMail(db, config.mail, mailer, log.child({ component: 'outbound-mail' }));
    this.ingest = new MailIngest(db, config.mail, this.outbound, log.child({ component: 'ingest' }));
    const registry = new JobRegistry([
      register(sendEmailJob, async ({ outboxId }) => {
        await this.outbound.sendOne(outboxId);
      }),
      register(sweepOutboxJob, async () => {
        await this.outbound.sweep();
      }),
    ]);
    const inProcess = !config.redisUrl;
    this.jobs =
      config.redisUrl !== undefined
        ? new BullmqRunner(config.redisUrl, config.redisPrefix, registry, log.child({ component: 'jobs' }), {
            work: role === 'worker',
          })
        : new InProcessRunner(registry, log.child({ component: 'jobs' }));
    this.outbound.useJobs(this.jobs);
    const watches = config.mail.imap && (inProcess || role === 'worker');
    this.watcher =
      watches && config.mail.imap
        ? new MailboxWatcher(
            config.mail.imap,
            db,
            this.ingest,
            log.child({ component: 'mailbox' }),
            config.mail.pollSeconds * 1000,
          )
        : undefined;
  }

  async start(): Promise<void> {
    const takesJobs = !this.config.redisUrl || this.role === 'worker';
    if (takesJobs && this.outbound.enabled) await this.jobs.schedule(sweepOutboxJob, SWEEP_EVERY_MS, {});
    if (!this.watcher) return;
    if (!this.config.redisUrl) {
      this.watcher.start();
      return;
    }
    // Several workers may run: the one holding the mailbox's lease watches it.
    this.redis = new Redis(this.config.redisUrl, { maxRetriesPerRequest: 1 });
    this.redis.on('error', (error) => this.log.warn({ err: error }, 'redis error (lease)'));
    this.lease = new LeaderLease(this.redis, `${this.config.redisPrefix}:watcher:${this.watcher.mailbox}`);
    const refresh = async () => {
      const held = await this.lease?.refresh().catch(() => false);
      if (held && !this.watcher?.running) this.watcher?.start();
      if (!held && this.watcher?.running) await this.watcher.stop();
    };
    await refresh();
    // Often enough that a waiting worker takes over within seconds of a release (15 s after a crash).
    this.leaseTimer = setInterval(() => void refresh(), 2_000);
  }

  async close(): Promise<void> {
    clearInterval(this.leaseTimer);
    try {
      await this.watcher?.stop();
    } finally {
      // Released as soon as our watcher is down, so another worker takes the mailbox without waiting for expiry.
      await this.lease?.release().catch(() => undefined);
      this.redis?.disconnect();
      await this.jobs.close();
    }
  }
}
