import type { WebhookResponse } from './webhook-client.js';

/** Longest wait a receiver's Retry-After can ask for: a day. */
const MAX_RETRY_AFTER_SECONDS = 86_400;

export type AttemptVerdict =
  | { kind: 'delivered' }
  | { kind: 'retry'; inMs: number; error: string }
  | { kind: 'failed'; error: string };

/** A receiver's answer that may go better later: timeout (408), rate limited (429), a server error (5xx). */
function retryable(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/**
 * What one attempt means for the delivery. `retryStep`: failed attempts before this one since the delivery
 * was (re)started; the schedule's entry at that place is the wait before the next attempt, and when the
 * schedule is used up the delivery has failed. A connection error or timeout (`response` undefined) retries,
 * as do 408, 429 (after its Retry-After when longer) and 5xx; redirects and other 4xx fail at once.
 */
export function verdict(
  response: WebhookResponse | undefined,
  connectionError: string | undefined,
  retryStep: number,
  scheduleMs: readonly number[],
): AttemptVerdict {
  if (response && response.status >= 200 && response.status < 300) return { kind: 'delivered' };
  const error = response ? describe(response) : (connectionError ?? 'connection failed');
  if (response && !retryable(response.status)) return { kind: 'failed', error };
  const waitMs = scheduleMs[retryStep];
  if (waitMs === undefined) return { kind: 'failed', error };
  const askedMs = Math.min(response?.retryAfterSeconds ?? 0, MAX_RETRY_AFTER_SECONDS) * 1000;
  return { kind: 'retry', inMs: Math.max(waitMs, askedMs), error };
}

function describe(response: WebhookResponse): string {
  if (response.status >= 300 && response.status < 400) {
    return `HTTP ${response.status}: redirect${response.location ? ` to ${response.location}` : ''} not followed`;
  }
  return `HTTP ${response.status}`;
}
