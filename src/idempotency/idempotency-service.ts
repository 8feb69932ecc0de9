import { createHash } from 'node:crypto';
import type { Db } from '../db/client.js';
import { errors } from '../lib/errors.js';
import { whileUnavailable } from '../lib/while-unavailable.js';
import { type KeyScope, idempotencyRepository as keys } from './idempotency-repository.js';

export type { KeyScope };

/** Keys are kept a day (Stripe's convention, which clients already know). */
const KEEP_MS = 24 * 60 * 60 * 1000;
/** A first request still "running" after this long died with its process; a retry may go ahead. */
const ABANDONED_MS = 60_000;
const KEY_FORMAT = /^[\x21-\x7e]{1,255}$/;

export type Begin = { kind: 'first'; recordId: number } | { kind: 'replay'; status: number; body: string | null };

export function requestHash(parts: unknown[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

/**
 * Idempotency-Key on POST: the first request with a key runs and its response is kept; the same key with
 * the same request gets that response again; with another request, a 422. A retry while the first is still
 * running gets 409 + Retry-After. Tickets and messages also carry the key on their row (unique), so even
 * a first attempt that died between its commit and storing its response cannot leave a twin.
 */
export class IdempotencyService {
  constructor(private readonly db: Db) {}

  async begin(scope: KeyScope, key: string, hash: string): Promise<Begin> {
    if (!KEY_FORMAT.test(key)) throw errors.badIdempotencyKey();
    const existing = await keys.find(this.db, scope, key);
    if (existing) {
      const age = Date.now() - existing.createdAt.getTime();
      const expired = age > KEEP_MS;
      const abandoned = existing.status === null && age > ABANDONED_MS;
      if (expired || abandoned) {
        await keys.remove(this.db, existing.id);
      } else if (existing.requestHash !== hash) {
        throw errors.idempotencyMismatch();
      } else if (existing.status !== null) {
        return { kind: 'replay', status: existing.status, body: existing.body };
      } else {
        throw errors.idempotencyInProgress();
      }
    }
    const recordId = await keys.claim(this.db, scope, key, hash);
    if (recordId === undefined) throw errors.idempotencyInProgress();
    return { kind: 'first', recordId };
  }

  /** Deletes keys past their 24 hours (the `expire-idempotency-keys` job); a key found expired is ignored anyway. */
  async expire(): Promise<void> {
    await keys.removeOlderThan(this.db, KEEP_MS);
  }

  /** Keeps the response of a request that reached an answer; a 5xx (or 409/429) frees the key for a retry. */
  async finish(recordId: number, status: number, body: string | null): Promise<void> {
    if (status >= 500 || status === 409 || status === 429) await keys.remove(this.db, recordId);
    else await keys.complete(this.db, recordId, status, body);
  }

  /**
   * For when `finish` failed (typically: the database went down and the request answered 503). Without
   * this the key would look "in progress" to every retry (409) until it counts as abandoned; retried in the
   * background, it is settled within a second of the database coming back.
   */
  finishLater(recordId: number, status: number, body: string | null, onGiveUp: (error: unknown) => void): void {
    const started = Date.now();
    const unsettled = { recordId, status, body, timer: undefined as NodeJS.Timeout | undefined };
    const attempt = (delayMs: number) => {
      unsettled.timer = setTimeout(() => {
        this.finish(recordId, status, body).then(
          () => this.unsettled.delete(unsettled),
          (error: unknown) => {
            if (!this.unsettled.has(unsettled)) return; // settled by close() meanwhile
            if (Date.now() - started + delayMs <= ABANDONED_MS) return attempt(Math.min(delayMs * 2, 2_000));
            this.unsettled.delete(unsettled);
            onGiveUp(error);
          },
        );
      }, delayMs);
      unsettled.timer.unref();
    };
    this.unsettled.add(unsettled);
    attempt(250);
  }

  /**
   * The process is stopping: the keys still unsettled get one last go while the database is reachable
   * (within `withinMs`). A stop right after a database outage (a deploy, an orchestrator's restart) would
   * otherwise leave their clients' retries a 409 for a minute, until the keys count as abandoned.
   */
  async close(withinMs = 5_000): Promise<void> {
    const left = [...this.unsettled];
    this.unsettled.clear();
    for (const { timer } of left) clearTimeout(timer);
    const deadline = Date.now() + withinMs;
    await Promise.allSettled(
      left.map(({ recordId, status, body }) => whileUnavailable(() => this.finish(recordId, status, body), deadline)),
    );
  }

  private readonly unsettled = new Set<{
    recordId: number;
    status: number;
    body: string | null;
    timer: NodeJS.Timeout | undefined;
  }>();
}
