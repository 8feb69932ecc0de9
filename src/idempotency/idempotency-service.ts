import { createHash } from 'node:crypto';
import type { Db } from '../db/client.js';
import { errors } from '../lib/errors.js';
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
    const attempt = (delayMs: number) => {
      const timer = setTimeout(() => {
        this.pending.delete(timer);
        this.finish(recordId, status, body).catch((error: unknown) => {
          if (Date.now() - started + delayMs > ABANDONED_MS) onGiveUp(error);
          else attempt(Math.min(delayMs * 2, 2_000));
        });
      }, delayMs);
      timer.unref();
      this.pending.add(timer);
    };
    attempt(250);
  }

  /** Stops background retries (the process is stopping; an unsettled key is abandoned after a minute). */
  close(): void {
    for (const timer of this.pending) clearTimeout(timer);
    this.pending.clear();
  }

  private readonly pending = new Set<NodeJS.Timeout>();
}
