import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import { simpleParser } from 'mailparser';
import pg from 'pg';
import { baseEnv, type LogScan, logScanner } from './api-process.js';
import type { Cleanups } from './cleanup.js';
import type { Stats } from './http.js';
import { type Account, type Api, type CustomerLoad, newWrite, tagged, type WriteRecord } from './load.js';
import { establishedRemotePorts, ManagedProcess, mustRun, nodeLeaf, sleep } from './proc.js';
import type { Report } from './report.js';

/**
 * `--with-worker`: the email channel on the project's test mail stack. The API only queues; two
 * `npm run worker` processes send. Operators answer customers' tickets (customers are mailboxes on the
 * stack); mid-run one worker is SIGKILLed, if possible in the middle of an SMTP session, and a new one
 * started. At the end every customer's inbox is read over IMAP: each acknowledged answer must be there
 * exactly once, no answer twice, and no outbox row left unsent.
 */

/** BullMQ jobs one worker runs at once (src/jobs/bullmq-runner.ts): the sends a SIGKILL can catch mid-way. */
const WORKER_CONCURRENCY = 4;
/** The outbox lease (src/email/outbound/outbound-mail.ts LEASE_MS): a killed sender's rows wait this long. */
const OUTBOX_LEASE_MS = 120_000;

interface Worker {
  name: string;
  process: ManagedProcess;
  scan: LogScan;
  started: boolean;
  /** From "mail sent" lines (LOG_LEVEL=info): the outbox ids this worker sent. */
  sent: number[];
}

interface OutboxState {
  byStatus: Record<string, number>;
  pending: { id: number; attempts: number; lockedUntil: string | null; lastError: string | null }[];
  /** How long the longest lease on a pending row still runs (database clock), 0 if none. */
  leaseLeftMs: number;
}

export interface MailSummary {
  answersAcknowledged: number;
  delivered: number;
  missing: { tag: string; to: string }[];
  duplicated: { tag: string; to: string; copies: number; messageIds: string[] }[];
  unacknowledgedDelivered: number;
  workerKilled: boolean;
  killedMidSend: boolean;
  outbox: OutboxState;
  sentByWorker: Record<string, number>;
  waitedSeconds: number;
  workerErrorLines: string[];
}

export class MailPhase {
  readonly answers: WriteRecord[] = [];
  private readonly workers: Worker[] = [];
  private readonly recipientOf = new Map<string, string>();
  private killedAt: number | undefined;
  private killedMidSend = false;
  private replaced: Promise<void> = Promise.resolve();
  private workerEnv: NodeJS.ProcessEnv = {};
  private logDir = '';
  private workerCount = 0;

  private constructor(
    private readonly root: string,
    private readonly stack: Record<string, string>,
    private readonly runId: string,
  ) {}

  static async prepare(root: string, runId: string, say: (text: string) => void): Promise<MailPhase> {
    const script = path.join(root, 'scripts/mail-stack.sh');
    await mustRun('bash', [script, 'start'], { timeoutMs: 300_000 });
    const printed = await mustRun('bash', [script, 'env'], { timeoutMs: 30_000 });
    const stack: Record<string, string> = {};
    for (const line of printed.trim().split('\n')) {
      const at = line.indexOf('=');
      if (at > 0) stack[line.slice(0, at)] = line.slice(at + 1);
    }
    for (const key of ['MAIL_STACK_SMTP_PORT', 'MAIL_STACK_IMAP_PORT', 'MAIL_STACK_CA', 'MAIL_STACK_DOMAIN']) {
      if (!stack[key]) throw new Error(`scripts/mail-stack.sh env did not print ${key}`);
    }
    say(`mail stack up: SMTP ${stack.MAIL_STACK_SMTP_PORT}, IMAP ${stack.MAIL_STACK_IMAP_PORT}`);
    return new MailPhase(root, stack, runId);
  }

  private get domain(): string {
    return this.stack.MAIL_STACK_DOMAIN ?? 'example.test';
  }

  private get password(): string {
    return this.stack.MAIL_STACK_PASSWORD ?? 'secret';
  }

  get support(): string {
    return `soak-support-${this.runId}@${this.domain}`;
  }

  customerAddress(index: number): string {
    return `soak-${this.runId}-c${index}@${this.domain}`;
  }

  /** What an installation needs to use the stack (as test/helpers/mail.ts mailEnv()). */
  get env(): Record<string, string> {
    const ca = this.stack.MAIL_STACK_CA ?? '';
    return {
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: this.stack.MAIL_STACK_SMTP_PORT ?? '2525',
      SMTP_FROM_EMAIL: this.support,
      SMTP_TLS_CA: ca,
      EMAIL_IMAP_HOST: '127.0.0.1',
      EMAIL_IMAP_PORT: this.stack.MAIL_STACK_IMAP_PORT ?? '1143',
      EMAIL_IMAP_SECURE: 'false',
      EMAIL_IMAP_USER: this.support,
      EMAIL_IMAP_PASSWORD: this.password,
      EMAIL_IMAP_TLS_CA: ca,
      EMAIL_RETRY_BASE_SECONDS: '0.5',
      EMAIL_POLL_SECONDS: '5',
    };
  }

  private startWorker(): Worker {
    this.workerCount++;
    const name = `worker${this.workerCount}`;
    const scan: LogScan = { errorLines: [], warnCount: 0, errorCount: 0, otherCount: 0 };
    const scanner = logScanner(scan);
    const sent: number[] = [];
    const flags = { started: false };
    const process = ManagedProcess.start('worker', 'npm', ['run', '--silent', 'worker'], {
      cwd: this.root,
      env: this.workerEnv,
      logFile: path.join(this.logDir, `${name}.log`),
      onLine: (line) => {
        scanner(line);
        if (line.includes('"msg":"worker started"')) flags.started = true;
        const match = /"outboxId":(\d+).*"msg":"mail sent"/.exec(line);
        if (match?.[1]) sent.push(Number(match[1]));
      },
    });
    const worker: Worker = {
      name,
      process,
      scan,
      sent,
      get started() {
        return flags.started;
      },
    };
    this.workers.push(worker);
    return worker;
  }

  /** Until the worker logged "worker started" (migrations checked, jobs taken, mailbox lease tried). */
  private async whenStarted(worker: Worker, timeoutMs = 90_000): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (!worker.started) {
      if (!worker.process.running) {
        throw new Error(`${worker.name} exited at start:\n${worker.process.lastLines(20).join('\n')}`);
      }
      if (performance.now() > deadline) throw new Error(`${worker.name} did not start within ${timeoutMs} ms`);
      await sleep(100);
    }
  }

  async startWorkers(env: Record<string, string>, logDir: string, cleanups: Cleanups): Promise<void> {
    // Info level: "worker started", and one "mail sent" line per mail, which the soak counts per worker.
    this.workerEnv = baseEnv({ ...env, LOG_LEVEL: 'info' });
    this.logDir = logDir;
    cleanups.add('workers', async () => {
      await Promise.all(this.workers.map((w) => w.process.stop('SIGTERM', 20_000)));
    });
    const first = [this.startWorker(), this.startWorker()];
    await Promise.all(first.map((w) => this.whenStarted(w)));
  }

  /**
   * At half time, SIGKILL a worker's whole process group and start a new one. The worst moment is chosen
   * when it comes within 10 s: a worker in an SMTP session (each send opens its own connection, so an
   * established connection to the SMTP port means a claimed outbox row in flight).
   */
  async killAndReplace(
    seconds: number,
    stats: Stats,
    event: (text: string) => void,
    wait: (ms: number) => Promise<void>,
  ): Promise<void> {
    await wait(stats.t0 + seconds * 500 - performance.now());
    if (performance.now() < stats.t0 + seconds * 500) return;
    const smtpPort = Number(this.stack.MAIL_STACK_SMTP_PORT ?? 2525);
    const sending = () =>
      this.workers.find((w) => {
        const root = w.process.pid;
        return w.process.running && root !== undefined && establishedRemotePorts(nodeLeaf(root)).includes(smtpPort);
      });
    const until = performance.now() + 10_000;
    let victim = sending();
    while (!victim && performance.now() < until) {
      await sleep(5);
      victim = sending();
    }
    this.killedMidSend = victim !== undefined;
    victim ??= this.workers.find((w) => w.process.running);
    if (!victim) return;
    await victim.process.kill();
    this.killedAt = performance.now();
    event(`worker: SIGKILLed ${victim.name}${this.killedMidSend ? ' in the middle of an SMTP session' : ' (idle)'}`);
    const fresh = this.startWorker();
    this.replaced = this.whenStarted(fresh)
      .then(() => event(`worker: ${fresh.name} started`))
      .catch((error: unknown) => event(`worker: ${String(error)}`));
    await this.replaced;
  }

  /** When (performance.now()) a worker was SIGKILLed; undefined before or without the kill. */
  get killedAtMs(): number | undefined {
    return this.killedAt;
  }

  /**
   * Resolves once the replacement worker is up (at once if none was killed). The Redis restart waits for
   * it: a Redis that loses its data after the last worker started is the case to prove (job schedulers
   * are created at a worker's start).
   */
  replacementStarted(): Promise<void> {
    return this.replaced;
  }

  /**
   * Answers are mailed only to an address its account has verified (a ticket opened through the API): each
   * customer reads the verification mail a worker sent at sign-up and confirms the code, as a person would.
   */
  async verifyAddresses(api: Api, customers: Account[], timeoutMs = 60_000): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    for (const customer of customers) {
      let token: string | undefined;
      while (!token) {
        if (performance.now() > deadline) throw new Error(`no verification mail reached ${customer.email}`);
        const mails = await this.inbox(customer.email);
        token = mails
          .map((mail) => /code (\S+)\s+with POST \/api\/users\/verify-email/.exec(mail.text)?.[1])
          .find(Boolean);
        if (!token) await sleep(250);
      }
      await api.setupCall(
        { method: 'POST', path: '/api/users/verify-email', token: customer.token, body: { token } },
        200,
      );
    }
  }

  /** Each operator answers a random acknowledged ticket of a customer, about every 150 ms, until the load ends. */
  answer(api: Api, operators: Account[], load: CustomerLoad, loadEndsAt: number, drainMs: number): Promise<void>[] {
    return operators.map(async (operator, index) => {
      while (!load.aborted && performance.now() < loadEndsAt) {
        const pool = [...load.ticketsOf.entries()].filter(([, tickets]) => tickets.length > 0);
        const picked = pool[Math.floor(Math.random() * pool.length)];
        const ticketId = picked?.[1][Math.floor(Math.random() * picked[1].length)];
        if (!picked || ticketId === undefined) {
          await sleep(200);
          continue;
        }
        const record = newWrite('answer', `op${index}`, ticketId);
        this.answers.push(record);
        this.recipientOf.set(record.tag, String(picked[0]));
        await api.write(
          record,
          {
            method: 'POST',
            path: `/api/tickets/${ticketId}/messages`,
            token: operator.token,
            idempotencyKey: record.tag,
            body: { text: tagged.answer(record.tag) },
          },
          () => loadEndsAt + drainMs,
          () => load.aborted,
        );
        await sleep(150);
      }
    });
  }

  private async inbox(address: string): Promise<{ text: string; messageId: string }[]> {
    const client = new ImapFlow({
      host: '127.0.0.1',
      port: Number(this.stack.MAIL_STACK_IMAP_PORT ?? 1143),
      secure: false,
      auth: { user: address, pass: this.password },
      tls: { ca: [readFileSync(this.stack.MAIL_STACK_CA ?? '', 'utf8')] },
      logger: false,
    });
    await client.connect();
    try {
      const box = await client.mailboxOpen('INBOX');
      if (box.exists === 0) return [];
      const found: { text: string; messageId: string }[] = [];
      for (const message of await client.fetchAll('1:*', { uid: true, source: true })) {
        if (!message.source) continue;
        const parsed = await simpleParser(message.source);
        found.push({ text: parsed.text ?? '', messageId: parsed.messageId ?? '' });
      }
      return found;
    } finally {
      await client.logout().catch(() => undefined);
    }
  }

  /**
   * Reads every customer's inbox until each acknowledged answer is there (or the deadline: a killed
   * worker's claimed row waits out its 2-minute lease before the sweeper requeues it), then 5 s more, and
   * counts: each acknowledged answer exactly once, no answer twice, no outbox row left pending or failed.
   */
  async verify(
    customers: Account[],
    databaseUrl: string,
    report: Report,
    say: (text: string) => void,
  ): Promise<MailSummary> {
    const emailOf = new Map(customers.map((c) => [String(c.id), c.email]));
    const acked = this.answers.filter((a) => a.state === 'acked');
    const started = performance.now();
    const deadline = Math.max(started + 30_000, (this.killedAt ?? started) + OUTBOX_LEASE_MS + 30_000);
    let copies = new Map<string, { count: number; messageIds: string[] }>();
    const count = async () => {
      const next = new Map<string, { count: number; messageIds: string[] }>();
      for (const address of new Set(emailOf.values())) {
        for (const mail of await this.inbox(address)) {
          const tag = tagged.pattern.exec(mail.text)?.[1];
          if (!tag) continue;
          const entry = next.get(tag) ?? { count: 0, messageIds: [] };
          entry.count++;
          entry.messageIds.push(mail.messageId);
          next.set(tag, entry);
        }
      }
      copies = next;
      return acked.filter((a) => !copies.has(a.tag)).length;
    };
    let missing = await count();
    let lastSay = 0;
    while (missing > 0 && performance.now() < deadline) {
      if (performance.now() - lastSay > 10_000) {
        lastSay = performance.now();
        say(
          `mail: ${acked.length - missing}/${acked.length} answers delivered; waiting up to ` +
            `${((deadline - performance.now()) / 1000).toFixed(0)} s more (a killed worker's lease is 2 min)`,
        );
      }
      await sleep(3000);
      missing = await count();
    }
    // A pending row still leased (a sender died, or could not mark it sent) is decided when its lease
    // runs out: the sweeper must then send it, once. Wait for that too, so the count sees the outcome.
    const leaseLeft = (await outboxState(databaseUrl)).leaseLeftMs;
    if (leaseLeft > 0) {
      const extra = Math.min(leaseLeft + 20_000, OUTBOX_LEASE_MS + 30_000);
      say(`mail: an outbox row is still leased; waiting ${(extra / 1000).toFixed(0)} s for the lease and a sweep`);
      await sleep(extra);
    }
    // "Exactly once" needs a look after the last arrival too.
    await sleep(5000);
    await count();
    const waitedSeconds = (performance.now() - started) / 1000;
    const outbox = await outboxState(databaseUrl);
    const to = (tag: string) => emailOf.get(this.recipientOf.get(tag) ?? '') ?? '?';

    const summary: MailSummary = {
      answersAcknowledged: acked.length,
      delivered: acked.filter((a) => copies.has(a.tag)).length,
      missing: acked.filter((a) => !copies.has(a.tag)).map((a) => ({ tag: a.tag, to: to(a.tag) })),
      duplicated: [...copies.entries()]
        .filter(([, c]) => c.count > 1)
        .map(([tag, c]) => ({ tag, to: to(tag), copies: c.count, messageIds: c.messageIds })),
      unacknowledgedDelivered: this.answers.filter((a) => a.state !== 'acked' && copies.has(a.tag)).length,
      workerKilled: this.killedAt !== undefined,
      killedMidSend: this.killedMidSend,
      outbox,
      sentByWorker: Object.fromEntries(this.workers.map((w) => [w.name, w.sent.length])),
      waitedSeconds,
      workerErrorLines: this.workers.flatMap((w) => w.scan.errorLines.map((l) => `${w.name}: ${l}`)).slice(0, 30),
    };
    const sameId = summary.duplicated.filter((d) => new Set(d.messageIds).size === 1).length;
    const unsent = outbox.pending.length + (outbox.byStatus.failed ?? 0);
    const exited = this.workers.filter((w) => !w.process.running).length - (this.killedAt === undefined ? 0 : 1);

    Object.assign(report.metrics, {
      mailAnswersAcknowledged: summary.answersAcknowledged,
      mailDelivered: summary.delivered,
      mailMissing: summary.missing.length,
      mailDuplicated: summary.duplicated.length,
      mailOutboxUnsent: unsent,
      mailWaitedSeconds: Math.round(waitedSeconds),
    });
    report.info('mail: answers acknowledged / delivered', `${summary.answersAcknowledged} / ${summary.delivered}`);
    report.info('mail: in-doubt answers delivered', summary.unacknowledgedDelivered);
    report.info('mail: waited for delivery', `${waitedSeconds.toFixed(0)} s`);
    report.info(
      'mail: worker killed',
      this.killedAt === undefined ? 'no' : this.killedMidSend ? 'yes, during an SMTP session' : 'yes, while idle',
    );
    report.info(
      'mail: sent per worker ("mail sent" lines)',
      this.workers.map((w) => `${w.name} ${w.sent.length}`).join(', '),
    );
    report.info(
      'mail: worker logs',
      this.workers.map((w) => `${w.name} ${w.scan.warnCount} warn/${w.scan.errorCount} error`).join(', '),
    );
    report.info(
      'mail: outbox rows by status',
      Object.entries(outbox.byStatus)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ') || 'none',
    );
    for (const row of outbox.pending.slice(0, 5)) {
      report.info(
        `mail: still pending: outbox ${row.id}`,
        `attempts ${row.attempts}, locked until ${row.lockedUntil ?? '-'}, last error ${row.lastError ?? '-'}`,
      );
    }
    report.check(
      'mail: acknowledged answers not delivered',
      summary.missing.length,
      `must be 0 (waited ${waitedSeconds.toFixed(0)} s)`,
      summary.missing.length === 0,
    );
    // RFC 1047: a sender that dies after its final "." but before it recorded the server's 250 cannot know
    // the mail left; it is sent again with the same Message-ID. Only the killed worker's sends in flight
    // (its job concurrency) can be caught there; anything else is a real duplicate.
    const inDoubt = this.killedMidSend ? Math.min(sameId, WORKER_CONCURRENCY) : 0;
    report.info('mail: re-sent after the kill (RFC 1047 window, same Message-ID)', inDoubt);
    report.check(
      'mail: answers delivered more than once',
      `${summary.duplicated.length - inDoubt}`,
      `must be 0 (not counting ${WORKER_CONCURRENCY} same-Message-ID copies at most, of the killed worker's sends)`,
      summary.duplicated.length - inDoubt === 0,
    );
    report.check('mail: outbox rows not sent', unsent, 'must be 0 (pending or failed)', unsent === 0);
    report.check('mail: workers that exited by themselves', exited, 'must be 0', exited === 0);
    return summary;
  }
}

async function outboxState(databaseUrl: string): Promise<OutboxState> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const counts = await client.query<{ status: string; n: string }>(
      'select status, count(*) as n from outbox group by status',
    );
    const pending = await client.query<{
      id: number;
      attempts: number;
      locked_until: Date | null;
      last_error: string | null;
    }>("select id, attempts, locked_until, last_error from outbox where status = 'pending' order by id");
    const lease = await client.query<{ left_ms: string | null }>(
      "select extract(epoch from max(locked_until) - now()) * 1000 as left_ms from outbox where status = 'pending'",
    );
    return {
      leaseLeftMs: Math.max(0, Number(lease.rows[0]?.left_ms ?? 0)),
      byStatus: Object.fromEntries(counts.rows.map((r) => [r.status, Number(r.n)])),
      pending: pending.rows.map((r) => ({
        id: r.id,
        attempts: r.attempts,
        lockedUntil: r.locked_until?.toISOString() ?? null,
        lastError: r.last_error,
      })),
    };
  } finally {
    await client.end();
  }
}
