import { errors } from './errors.js';

export const HOUR_MS = 3_600_000;

/**
 * An hourly write limit (tickets, messages): `nth` is when the max-th newest write of the last hour happened,
 * or undefined when there were fewer. Counted from the rows themselves, so every process sees the same count
 * with no shared store. Over the limit: 429 with Retry-After, when that write leaves the hour.
 */
export function checkHourlyLimit(nth: Date | undefined, max: number, what: string): void {
  if (!nth) return;
  const retryAfter = Math.ceil((nth.getTime() + HOUR_MS - Date.now()) / 1000);
  throw errors.tooManyRequests(`At most ${max} ${what} an hour; try again later`, retryAfter);
}
