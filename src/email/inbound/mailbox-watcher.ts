import type { FastifyBaseLogger } from 'fastify';
import { type FetchMessageObject, ImapFlow } from 'imapflow';
import type { MailConfig } from '../../config.js';
import type { Db } from '../../db/client.js';
import { mailboxStateRepository as states } from '../log/mailbox-state-repository.js';
import type { MailIngest } from './ingest.js';

type ImapConfig = NonNullable<MailConfig['imap']>;

const BATCH = 20;
/** Mails up to this size are fetched together with the rest of their batch. */
const BATCH_FETCH_MAX_BYTES = 1024 * 1024;
/** Senders whose mails are ingested side by side (each its own transaction, so up to this many connections). */
const INGEST_LANES = 4;
/** A mail that fails this many times in a row is recorded as failed and skipped: one bad mail never blocks a mailbox. */
const MAX_FAILURES_PER_MAIL = 3;
/** How often a connected watcher records that it is alive (the API calls it disconnected after 10 s without). */
const HEARTBEAT_MS = 3_000;

/**
 * Watches one IMAP folder: IMAP IDLE delivers new mail within a second; every sync fetches UIDs above the
 * last one stored, ingests each mail, and only then marks it \Seen and moves the position. It reconnects
 * by itself with exponential backoff, and a UIDVALIDITY change resyncs from the unseen mail (the unique
 * Message-ID makes anything seen before a no-op).
 */
export class MailboxWatcher {
  readonly mailbox: string;
  private client: ImapFlow | undefined;
  private stopped = true;
  private syncing: Promise<void> = Promise.resolve();
  private wanted = false;
  private readonly failures = new Map<number, number>();
  private reconnectTimer: NodeJS.Timeout | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  /** Counts starts and stops: a connection opened for an older run is not this run's. */
  private generation = 0;
  /** The connection being opened, if any: stop() closes it. */
  private connecting: ImapFlow | undefined;
  private backoffMs = 1000;

  constructor(
    private readonly imap: ImapConfig,
    private readonly db: Db,
    private readonly ingest: MailIngest,
    private readonly log: FastifyBaseLogger,
    private readonly pollMs: number,
  ) {
    const user = imap.user.toLowerCase();
    this.mailbox = imap.folder === 'INBOX' ? user : `${user}/${imap.folder}`;
  }

  get running(): boolean {
    return !this.stopped;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    const generation = ++this.generation;
    this.backoffMs = 1000;
    // The fallback when IDLE is not delivering (a proxy that drops it, a server without it).
    this.pollTimer = setInterval(() => void this.requestSync().catch((error) => this.fail(error)), this.pollMs);
    // "Last alive" for /api/mail/mailboxes: written while the IMAP connection is up.
    this.heartbeatTimer = setInterval(() => void this.heartbeat(generation), HEARTBEAT_MS);
    void this.connect(generation);
  }

  /**
   * Bounded: a sync finishes the mail it is on (a mail is only marked \Seen after its commit, so stopping
   * mid-sync loses nothing) but a hung server cannot hold a shutdown, or the mailbox's lease, for long. A
   * connection still being opened is closed; one that opens anyway logs out as soon as it does.
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const generation = ++this.generation;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    clearInterval(this.pollTimer);
    clearInterval(this.heartbeatTimer);
    this.connecting?.close();
    this.connecting = undefined;
    const client = this.client;
    this.client = undefined;
    await withTimeout(
      this.syncing.catch(() => undefined),
      5_000,
    );
    if (client) await logout(client);
    // Started again meanwhile: the new run says how the mailbox is.
    if (generation === this.generation)
      await states.upsert(this.db, this.mailbox, { connected: false }).catch(() => undefined);
  }

  /** Asks for a sync now (an IDLE event, or the poll job); syncs never overlap. */
  requestSync(): Promise<void> {
    if (this.stopped || !this.client?.usable) return this.syncing;
    if (this.wanted) return this.syncing;
    this.wanted = true;
    this.syncing = this.syncing.then(async () => {
      this.wanted = false;
      if (!this.stopped && this.client?.usable) await this.sync(this.client);
    });
    return this.syncing;
  }

  /** One IMAP session per run: a connection that opens after its run ended (stop, or a newer start) logs out. */
  private async connect(generation: number): Promise<void> {
    if (this.stopped || generation !== this.generation) return;
    const client = new ImapFlow({
      host: this.imap.host,
      port: this.imap.port,
      secure: this.imap.secure,
      auth: { user: this.imap.user, pass: this.imap.password },
      tls: this.imap.tls.ca ? { ca: [this.imap.tls.ca] } : undefined,
      logger: false,
      // IDLE soon after each sync (the default waits 15 s), restarted every minute to notice a dead link.
      autoIdleDelay: 300,
      maxIdleTime: 60_000,
      connectionTimeout: 15_000,
    });
    const current = () => !this.stopped && generation === this.generation;
    client.on('exists', () => void this.requestSync().catch((error) => this.fail(error)));
    client.on('error', (error: Error) => this.log.warn({ err: error, mailbox: this.mailbox }, 'imap error'));
    client.on('close', () => {
      if (this.client === client) {
        this.client = undefined;
        this.scheduleReconnect(new Error('connection closed'));
      }
    });
    this.connecting = client;
    try {
      await client.connect();
      if (current()) await client.mailboxOpen(this.imap.folder);
      if (this.connecting === client) this.connecting = undefined;
      if (!current()) {
        await logout(client);
        return;
      }
      this.client = client;
      this.backoffMs = 1000;
      await states.recordSuccess(this.db, this.mailbox);
      this.log.info({ mailbox: this.mailbox }, 'mailbox connected');
      await this.requestSync();
    } catch (error) {
      if (this.connecting === client) this.connecting = undefined;
      client.close();
      if (this.client === client) this.client = undefined;
      if (current()) this.scheduleReconnect(error);
    }
  }

  private async heartbeat(generation: number): Promise<void> {
    if (generation !== this.generation || !this.client?.usable) return;
    await states.heartbeat(this.db, this.mailbox).catch((error) => {
      this.log.warn({ err: error, mailbox: this.mailbox }, 'mailbox heartbeat not recorded');
    });
  }

  private fail(error: unknown): void {
    this.log.warn({ err: error, mailbox: this.mailbox }, 'mailbox sync failed');
    // A failed sync may leave the connection in any state: start over. The error is recorded (once) by
    // scheduleReconnect, so consecutive_errors counts failures, not log lines.
    const client = this.client;
    this.client = undefined;
    client?.close();
    this.scheduleReconnect(error);
  }

  private scheduleReconnect(error: unknown): void {
    if (this.stopped || this.reconnectTimer) return;
    void states.recordError(this.db, this.mailbox, errorText(error)).catch(() => undefined);
    const delay = this.backoffMs;
    const generation = this.generation;
    this.backoffMs = Math.min(this.backoffMs * 2, 60_000);
    this.log.warn({ mailbox: this.mailbox, retryInMs: delay, reason: errorText(error) }, 'mailbox disconnected');
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      void this.connect(generation);
    }, delay);
  }

  private async sync(client: ImapFlow): Promise<void> {
    try {
      const box = client.mailbox;
      if (!box) throw new Error('no mailbox selected');
      const uidValidity = Number(box.uidValidity);
      const state = await states.get(this.db, this.mailbox);
      let uids: number[];
      if (!state || state.uidValidity !== uidValidity) {
        // First contact or a new UIDVALIDITY: old UIDs mean nothing; take what nobody has read yet.
        await states.upsert(this.db, this.mailbox, { uidValidity, lastUid: 0 });
        uids = ((await client.search({ seen: false }, { uid: true })) || []).sort((a, b) => a - b);
        if (state?.uidValidity != null)
          this.log.warn({ mailbox: this.mailbox, uidValidity }, 'UIDVALIDITY changed: resyncing');
      } else {
        const found = (await client.search({ uid: `${state.lastUid + 1}:*` }, { uid: true })) || [];
        // "N:*" always includes the highest UID, even when it is below N.
        uids = found.filter((uid) => uid > state.lastUid).sort((a, b) => a - b);
      }
      for (let i = 0; i < uids.length && !this.stopped; i += BATCH) {
        await this.processBatch(client, uidValidity, uids.slice(i, i + BATCH));
      }
      await states.recordSuccess(this.db, this.mailbox);
    } catch (error) {
      this.fail(error);
    }
  }

  private async processBatch(client: ImapFlow, uidValidity: number, uids: number[]): Promise<void> {
    const listed = await client.fetchAll(uids.join(','), { uid: true, size: true, envelope: true }, { uid: true });
    const ordered = listed.sort((a, b) => a.uid - b.uid);
    const sources = await this.fetchSmall(client, ordered);
    const done = new Set<number>();
    const outcomes = await Promise.allSettled(
      lanes(bySender(ordered), async (mail) => {
        if (this.stopped) return false;
        await this.ingestOne(client, uidValidity, mail.uid, mail.size ?? 0, sources.get(mail.uid));
        done.add(mail.uid);
        return true;
      }),
    );
    await this.markDone(client, uidValidity, ordered, done);
    const failed = outcomes.find((outcome) => outcome.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /**
   * Ordinary mails come in one FETCH for the batch (a round trip per mail capped ingest at a few dozen a
   * second); large ones are fetched one by one later, so a batch never holds 20 big mails in memory.
   */
  private async fetchSmall(client: ImapFlow, listed: FetchMessageObject[]): Promise<Map<number, Buffer>> {
    const small = listed.filter(({ size }) => (size ?? 0) <= BATCH_FETCH_MAX_BYTES).map(({ uid }) => uid);
    const sources = new Map<number, Buffer>();
    if (small.length === 0) return sources;
    for (const fetched of await client.fetchAll(small.join(','), { uid: true, source: true }, { uid: true })) {
      if (fetched.source) sources.set(fetched.uid, fetched.source);
    }
    return sources;
  }

  /**
   * Only mails already recorded are marked \Seen, once per batch; the position moves past the mails done
   * in order from the batch's start. Whatever is fetched again (after a failure or a crash before this
   * point) is a no-op: its Message-ID is recorded.
   */
  private async markDone(
    client: ImapFlow,
    uidValidity: number,
    ordered: FetchMessageObject[],
    done: Set<number>,
  ): Promise<void> {
    if (done.size === 0) return;
    await client.messageFlagsAdd([...done].join(','), ['\\Seen'], { uid: true });
    let last: number | undefined;
    for (const { uid } of ordered) {
      if (!done.has(uid)) break;
      last = uid;
    }
    if (last !== undefined) await states.advance(this.db, this.mailbox, uidValidity, last);
  }

  /** Ingests one mail; a mail that keeps failing is recorded as failed and skipped, anything else throws. */
  private async ingestOne(
    client: ImapFlow,
    uidValidity: number,
    uid: number,
    size: number,
    fetched: Buffer | undefined,
  ): Promise<void> {
    const raw = fetched ?? (await this.fetchLarge(client, uid, size));
    if (!raw) return;
    const source = { mailbox: this.mailbox, uidValidity, uid };
    try {
      await this.ingest.ingest(Buffer.from(raw), source, { declaredSize: size || raw.length });
      this.failures.delete(uid);
    } catch (error) {
      const count = (this.failures.get(uid) ?? 0) + 1;
      this.failures.set(uid, count);
      if (count < MAX_FAILURES_PER_MAIL) throw error;
      this.log.error({ err: error, uid, mailbox: this.mailbox }, 'mail failed repeatedly; recorded and skipped');
      await this.ingest.recordFailure(source, Buffer.from(raw), errorText(error));
      this.failures.delete(uid);
    }
  }

  private async fetchLarge(client: ImapFlow, uid: number, size: number): Promise<Uint8Array | undefined> {
    const tooLarge = size > this.ingest.maxBytes;
    const fetched = await client.fetchOne(
      String(uid),
      tooLarge ? { uid: true, headers: true } : { uid: true, source: true },
      { uid: true },
    );
    return fetched ? (tooLarge ? fetched.headers : fetched.source) : undefined;
  }
}

/**
 * One sender's mails in UID order: a reply must find the ticket their first mail opened, and only a
 * ticket's creator can add to it. Different senders' mails share nothing, so they may go side by side (the
 * server parsed the From address for us: ENVELOPE).
 */
function bySender(ordered: FetchMessageObject[]): FetchMessageObject[][] {
  const queues = new Map<string, FetchMessageObject[]>();
  for (const mail of ordered) {
    const sender = mail.envelope?.from?.[0]?.address?.toLowerCase() ?? '';
    const queue = queues.get(sender);
    if (queue) queue.push(mail);
    else queues.set(sender, [mail]);
  }
  return [...queues.values()];
}

/** Up to INGEST_LANES queues at a time, each in order; `work` returning false stops its lane. */
function lanes<T>(queues: T[][], work: (item: T) => Promise<boolean>): Promise<void>[] {
  const remaining = [...queues];
  return Array.from({ length: Math.min(INGEST_LANES, remaining.length) }, async () => {
    for (let queue = remaining.shift(); queue; queue = remaining.shift()) {
      for (const item of queue) if (!(await work(item))) return;
    }
  });
}

/** LOGOUT, bounded (a hung server cannot hold us), then the socket is closed whatever happened. */
async function logout(client: ImapFlow): Promise<void> {
  await withTimeout(
    client.logout().catch(() => undefined),
    2_000,
  );
  client.close();
}

function withTimeout(promise: Promise<unknown>, ms: number): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
