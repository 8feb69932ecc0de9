import type { ServerResponse } from 'node:http';
import type { FastifyBaseLogger } from 'fastify';
import type { Caller, Standing } from '../access/caller.js';
import { standingOf } from '../access/caller.js';
import type { Callers } from '../access/callers.js';
import type { Database, Listening } from '../db/client.js';
import { eventRepository as events, type FeedEvent } from '../events/event-repository.js';
import { DomainError } from '../lib/errors.js';
import { outsideRequest } from '../lib/request-context.js';
import { type LiveMessage, LiveRenderer } from './live-render.js';
import { SseStream } from './sse-stream.js';

/** The channel the migration 0008_live_events notifies on every insert into ticket_events. */
export const LIVE_CHANNEL = 'ticket_events';
/** Events read (and replayed) per statement. */
const BATCH = 200;
/** A Last-Event-ID further behind the newest event than this gets `reset` instead of a replay. */
export const MAX_REPLAY = 10_000;
/**
 * How long an id found missing below the newest one read (its transaction had not committed yet, or rolled
 * back) is looked for again: an event committed later than this after its insert is not streamed live.
 */
const GAP_TTL_MS = 60_000;
/** At most this many such ids are remembered (the oldest are forgotten first). */
const MAX_GAPS = 1_000;

export interface LiveOptions {
  staffEmail: string;
  heartbeatMs: number;
  recheckMs: number;
}

/** One open stream. */
export interface Subscriber {
  caller: Caller;
  as: Standing;
  stream: SseStream;
  /** When the token expires (ms since the epoch); the stream ends then. */
  expiresAt: number | undefined;
  /** While the subscriber replays, live messages wait here; null once live. */
  queue: LiveMessage[] | null;
  /** Ids sent by the replay, so the queue's copies are not sent twice. */
  replayed: Set<number>;
  /** Ids up to this one are not sent live (a stream opened without a position starts at the newest event). */
  floor?: number;
}

/**
 * The live events of one API process: one LISTEN (Database.listen) wakes it when events are committed, in
 * this process or another; it then reads the new events from the table once for staff (every operator's
 * stream gets the same rendering) and once per customer who owns a ticket in the batch (the feed's SQL
 * decides what they see, as on GET /tickets/{id}/events), and writes them to the streams. Nothing runs
 * until the first stream opens.
 */
export class LiveHub {
  private readonly subscribers = new Set<Subscriber>();
  private started: Promise<void> | undefined;
  private listening: Listening | undefined;
  private timers: NodeJS.Timeout[] = [];
  /** The newest id read; ids missing below it (not committed yet when read), with when they were noticed. */
  private lastSeen = 0;
  private readonly gaps = new Map<number, number>();
  private pumping: Promise<void> | undefined;
  private pumpAgain = false;
  private closed = false;

  constructor(
    private readonly database: Database,
    private readonly callers: Callers,
    private readonly options: LiveOptions,
    private readonly log: FastifyBaseLogger,
  ) {}

  /** Starts listening (once); resolves when the hub knows where the table ends. */
  start(): Promise<void> {
    // Started by the first stream's request, but serves every stream after it: not in that request's context.
    this.started ??= outsideRequest(() => this.listen()).catch((error: unknown) => {
      this.started = undefined;
      throw error;
    });
    return this.started;
  }

  /** The standing the stream is for: the account is loaded and checked (a 401 before any stream). */
  async standingOf(caller: Caller): Promise<Standing> {
    return standingOf(await caller.user());
  }

  /** Starts an SSE stream on `raw` (headers written) for `caller`; errors end the stream, and are logged. */
  async open(
    caller: Caller,
    as: Standing,
    raw: ServerResponse,
    options: { lastEventId: number | undefined; expiresAt: number | undefined; log: FastifyBaseLogger },
  ): Promise<void> {
    const stream = new SseStream(raw);
    const subscriber: Subscriber = { caller, as, stream, expiresAt: options.expiresAt, queue: [], replayed: new Set() };
    // Sent at once, so clients see the stream open before the first event.
    stream.comment('connected');
    try {
      await this.subscribe(subscriber, options.lastEventId);
    } catch (error) {
      options.log.error({ err: error }, 'live events: replay failed');
      stream.end();
    }
  }

  /**
   * Adds a stream: replays what came after `lastEventId` (or sends `reset` when that is too far behind),
   * then sends live events. Call `start` first.
   */
  async subscribe(subscriber: Subscriber, lastEventId: number | undefined): Promise<void> {
    if (this.closed) return subscriber.stream.end();
    this.subscribers.add(subscriber);
    subscriber.stream.onClose(() => this.subscribers.delete(subscriber));
    if (lastEventId !== undefined) await this.replay(subscriber, lastEventId);
    // Without a position the stream starts now: events the hub is still sending that were committed before
    // it opened are not sent (a later commit of an id below this one is missed too: see GAP_TTL_MS).
    else subscriber.floor = await events.newestId(this.database.db);
    const queued = subscriber.queue ?? [];
    subscriber.queue = null;
    this.send(subscriber, queued);
  }

  /** Ends every stream and stops listening: the app can close (streams would hold the server open). */
  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers) clearInterval(timer);
    for (const subscriber of this.subscribers) subscriber.stream.end();
    this.subscribers.clear();
    await this.started?.catch(() => undefined);
    await this.listening?.close();
  }

  get size(): number {
    return this.subscribers.size;
  }

  private async listen(): Promise<void> {
    this.listening = await this.database.listen(LIVE_CHANNEL, {
      onNotify: () => this.wake(),
      // Notifications sent while disconnected are lost: read from the last id seen.
      onReconnect: () => {
        this.log.info('live events: listening again');
        this.wake();
      },
      onError: (error) => this.log.warn({ err: error }, 'live events: listening connection lost'),
    });
    // After LISTEN: an event committed in between is both newer than this and notified.
    this.lastSeen = await events.newestId(this.database.db);
    if (this.closed) await this.listening.close();
    this.timers = [
      setInterval(() => this.heartbeat(), this.options.heartbeatMs),
      setInterval(() => void this.recheck(), this.options.recheckMs),
    ];
    for (const timer of this.timers) timer.unref();
  }

  /** Reads and sends what is new; a wake during a read makes it read once more afterwards. */
  private wake(): void {
    if (this.closed) return;
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = (async () => {
      do {
        this.pumpAgain = false;
        try {
          while (await this.pumpBatch()) {}
        } catch (error) {
          this.log.error({ err: error }, 'live events: reading new events failed');
        }
      } while (this.pumpAgain && !this.closed);
      this.pumping = undefined;
    })();
  }

  /** One batch after `lastSeen` (and the missing ids below it); true when there may be more. */
  private async pumpBatch(): Promise<boolean> {
    const db = this.database.db;
    const window = { afterId: this.lastSeen, alsoIds: this.missingIds(), limit: BATCH };
    const rows = await events.feedAs(db, 'staff', undefined, window);
    if (rows.length === 0) return false;
    const upToId = Math.max(this.lastSeen, ...rows.map((row) => row.event.id));
    this.noteGaps(rows, upToId);
    const renderer = new LiveRenderer(db, this.options.staffEmail);
    await renderer.load(rows);
    const staff = renderer.render(rows, 'staff');
    const creators = new Set(rows.map((row) => renderer.creatorOf(row.ticketId)));
    const customers = new Map<number, Subscriber[]>();
    for (const subscriber of this.subscribers) {
      if (subscriber.as === 'staff') this.send(subscriber, staff);
      else if (creators.has(subscriber.caller.id)) {
        customers.set(subscriber.caller.id, [...(customers.get(subscriber.caller.id) ?? []), subscriber]);
      }
    }
    for (const subscribers of customers.values()) {
      const first = subscribers[0] as Subscriber;
      const own = await events.feedAs(db, 'customer', first.caller, { ...window, upToId });
      const messages = renderer.render(own, 'customer');
      for (const subscriber of subscribers) this.send(subscriber, messages);
    }
    this.lastSeen = upToId;
    return rows.length >= BATCH;
  }

  private missingIds(): number[] {
    const now = Date.now();
    for (const [id, since] of this.gaps) if (now - since > GAP_TTL_MS) this.gaps.delete(id);
    return [...this.gaps.keys()];
  }

  /** Ids between `lastSeen` and `upToId` that were not read: their transactions may commit later. */
  private noteGaps(rows: FeedEvent[], upToId: number): void {
    const read = new Set(rows.map((row) => row.event.id));
    for (const id of read) this.gaps.delete(id);
    const now = Date.now();
    // Ids far apart (a sequence that jumped) would make a long loop: only the last MAX_GAPS are looked at.
    for (let id = Math.max(this.lastSeen + 1, upToId - MAX_GAPS); id < upToId; id += 1) {
      if (!read.has(id)) this.gaps.set(id, now);
    }
    for (const id of this.gaps.keys()) {
      if (this.gaps.size <= MAX_GAPS) break;
      this.gaps.delete(id);
    }
  }

  private async replay(subscriber: Subscriber, lastEventId: number): Promise<void> {
    const db = this.database.db;
    const newest = await events.newestId(db);
    if (newest - lastEventId > MAX_REPLAY) {
      subscriber.stream.message(undefined, 'reset', JSON.stringify({ reason: 'too_far_behind', newest_id: newest }));
      return;
    }
    const caller = subscriber.as === 'customer' ? subscriber.caller : undefined;
    let afterId = lastEventId;
    for (;;) {
      const rows = await events.feedAs(db, subscriber.as, caller, { afterId, limit: BATCH });
      if (subscriber.stream.closed || rows.length === 0) return;
      const renderer = new LiveRenderer(db, this.options.staffEmail);
      await renderer.load(rows);
      const messages = renderer.render(rows, subscriber.as);
      for (const message of messages) {
        subscriber.replayed.add(message.id);
        subscriber.stream.message(message.id, message.type, message.data);
      }
      afterId = Math.max(...rows.map((row) => row.event.id));
      if (rows.length < BATCH) return;
    }
  }

  private send(subscriber: Subscriber, messages: LiveMessage[]): void {
    if (subscriber.queue) {
      subscriber.queue.push(...messages);
      return;
    }
    for (const message of messages) {
      if (subscriber.replayed.has(message.id) || message.id <= (subscriber.floor ?? 0)) continue;
      subscriber.stream.send(message);
    }
  }

  private heartbeat(): void {
    for (const subscriber of this.subscribers) subscriber.stream.comment('ping');
  }

  /**
   * Every open stream's account, loaded again (once per account): deactivated, on a new token version, of
   * another standing, or with an expired token, its streams end (the client reconnects, and is refused).
   */
  private async recheck(): Promise<void> {
    const byAccount = new Map<number, Subscriber[]>();
    for (const subscriber of this.subscribers) {
      byAccount.set(subscriber.caller.id, [...(byAccount.get(subscriber.caller.id) ?? []), subscriber]);
    }
    const now = Date.now();
    for (const subscribers of byAccount.values()) {
      const first = subscribers[0] as Subscriber;
      const fresh = this.callers.fromClaims({ sub: String(first.caller.id), ver: first.caller.tokenVersion });
      // A 401 (may no longer act) ends the streams; a database that cannot answer does not.
      const standing = await fresh
        .user()
        .then(standingOf, (error: unknown) =>
          error instanceof DomainError && error.status === 401 ? undefined : first.as,
        );
      for (const subscriber of subscribers) {
        const expired = subscriber.expiresAt !== undefined && subscriber.expiresAt <= now;
        if (standing !== subscriber.as || expired) subscriber.stream.end();
      }
    }
  }
}
