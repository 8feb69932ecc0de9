import type { FastifyBaseLogger } from 'fastify';
import { Callers } from '../access/callers.js';
import { AttachmentService } from '../attachments/attachment-service.js';
import { CannedResponseService } from '../canned-responses/canned-response-service.js';
import type { Config } from '../config.js';
import type { Database } from '../db/client.js';
import { MailIngest } from '../email/inbound/ingest.js';
import { MailToTicket } from '../email/inbound/mail-to-ticket.js';
import { MailboxWatcher } from '../email/inbound/mailbox-watcher.js';
import { MailAdminService } from '../email/log/mail-admin-service.js';
import { MailChannel } from '../email/outbound/mail-channel.js';
import { MailSender } from '../email/outbound/mail-sender.js';
import { createMailer } from '../email/outbound/mailer.js';
import { Outbox } from '../email/outbound/outbox.js';
import { EventService } from '../events/event-service.js';
import { GroupService } from '../groups/group-service.js';
import { IdempotencyService } from '../idempotency/idempotency-service.js';
import { BullmqRunner } from '../jobs/bullmq-runner.js';
import { InProcessRunner } from '../jobs/in-process-runner.js';
import type { JobRunner } from '../jobs/job.js';
import { MessageService } from '../messages/message-service.js';
import { SlaBreachSweeper } from '../sla/breach-sweeper.js';
import { SlaPolicyService } from '../sla/sla-policy-service.js';
import { MergeService } from '../tickets/merge-service.js';
import { TicketService } from '../tickets/ticket-service.js';
import { AccountService } from '../users/account-service.js';
import { UserService } from '../users/user-service.js';
import { DeliveryWaker } from '../webhooks/delivery-waker.js';
import { WebhookSender } from '../webhooks/webhook-sender.js';
import { WebhookService } from '../webhooks/webhook-service.js';
import { Background } from './background.js';
import { Readiness } from './readiness.js';

/** How staff appear to customers when no support address is configured (documented in the README). */
export const STAFF_EMAIL_STAND_IN = 'support@service-desk.invalid';

/** Every service of one process, each built with exactly what it uses. */
export interface Services {
  database: Database;
  callers: Callers;
  users: UserService;
  accounts: AccountService;
  tickets: TicketService;
  events: EventService;
  merges: MergeService;
  messages: MessageService;
  attachments: AttachmentService;
  groups: GroupService;
  slaPolicies: SlaPolicyService;
  slaSweeper: SlaBreachSweeper;
  cannedResponses: CannedResponseService;
  idempotency: IdempotencyService;
  outbox: Outbox;
  mailSender: MailSender;
  ingest: MailIngest;
  mailAdmin: MailAdminService;
  webhooks: WebhookService;
  webhookSender: WebhookSender;
  /** Whether the database (and Redis, when configured) answer: readiness probes. */
  readiness: Readiness;
  /** Jobs and the mailbox watcher of this process; started by the entry point, closed with the services. */
  background: Background;
}

/**
 * The composition root, shared by the API (`server.ts`, through plugins/services.ts) and the worker. `role`
 * says what this process does: an `api` with Redis only queues jobs (`npm run worker` takes them and
 * watches the mailbox); an `api` without Redis (the embedded default) runs them itself.
 */
export function buildServices(config: Config, database: Database, log: FastifyBaseLogger, role: 'api' | 'worker') {
  const { db } = database;
  const jobs: JobRunner = config.redisUrl
    ? new BullmqRunner(config.redisUrl, config.redisPrefix, log.child({ component: 'jobs' }), {
        work: role === 'worker',
      })
    : new InProcessRunner(log.child({ component: 'jobs' }));
  const callers = new Callers(db);
  const mailChannel = new MailChannel(config.mail, db, {
    workersSend: Boolean(config.redisUrl),
    log: log.child({ component: 'mail-channel' }),
  });
  const outbox = new Outbox(config.mail, db, jobs, log.child({ component: 'outbox' }), mailChannel);
  const accounts = new AccountService(db, outbox);
  const users = new UserService(db, accounts);
  // Customers see staff with the support address, never their own (docs/architecture.md, "Who is calling").
  const shown = { staffEmail: config.mail.supportAddress ?? STAFF_EMAIL_STAND_IN, limits: config.limits };
  const tickets = new TicketService(db, shown);
  const attachments = new AttachmentService(db);
  const messages = new MessageService(db, outbox, attachments, shown);
  const mailer = config.mail.smtp ? createMailer(config.mail.smtp) : undefined;
  const mailSender = new MailSender(config.mail, db, mailer, jobs, log.child({ component: 'mail-sender' }));
  const toTicket = new MailToTicket(config.mail, { callers, users, tickets, messages, attachments, outbox });
  const ingest = new MailIngest(db, config.mail, toTicket, outbox, log.child({ component: 'ingest' }));
  const idempotency = new IdempotencyService(db);
  const watches = config.mail.imap !== undefined && (!config.redisUrl || role === 'worker');
  const watcher =
    watches && config.mail.imap
      ? new MailboxWatcher(
          config.mail.imap,
          db,
          ingest,
          log.child({ component: 'mailbox' }),
          config.mail.pollSeconds * 1000,
        )
      : undefined;
  const webhookSender = new WebhookSender(
    config.webhooks,
    db,
    config.mail.supportAddress ?? STAFF_EMAIL_STAND_IN,
    jobs,
    log.child({ component: 'webhooks' }),
  );
  // Where jobs are taken (the embedded API, or a worker), new deliveries are queued as they are recorded.
  const takesJobs = !config.redisUrl || role === 'worker';
  const waker = takesJobs
    ? new DeliveryWaker(database, webhookSender, log.child({ component: 'webhooks' }))
    : undefined;
  const slaSweeper = new SlaBreachSweeper(db, log.child({ component: 'sla' }));
  const background = new Background(
    config,
    jobs,
    { mailSender, idempotency, webhookSender, mailChannel, slaSweeper },
    watcher,
    log,
    waker,
  );
  const services: Services = {
    database,
    callers,
    users,
    accounts,
    tickets,
    events: new EventService(db, shown),
    merges: new MergeService(db),
    messages,
    attachments,
    groups: new GroupService(db),
    slaPolicies: new SlaPolicyService(db),
    slaSweeper,
    cannedResponses: new CannedResponseService(db),
    idempotency,
    outbox,
    mailSender,
    ingest,
    mailAdmin: new MailAdminService(db, outbox),
    webhooks: new WebhookService(db, config.webhooks, jobs),
    webhookSender,
    readiness: new Readiness(database, config.redisUrl, log.child({ component: 'readiness' })),
    background,
  };
  return services;
}
