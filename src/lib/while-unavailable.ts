import { isDatabaseUnavailable } from '../db/errors.js';

/**
 * Runs `write` until it succeeds, retrying while the database is unavailable (a restart, a failover), up to
 * `deadline` (epoch ms). For the record that must follow an effect outside the database — a receiver's
 * 2xx, an SMTP server's 250 — while the sender's claim still holds: failing it would leave the claim to
 * expire and the effect to be repeated by the next sender. Any other error, or the deadline, throws.
 */
export async function whileUnavailable<T>(write: () => Promise<T>, deadline: number): Promise<T> {
  let waitMs = 100;
  for (;;) {
    try {
      return await write();
    } catch (error) {
      if (!isDatabaseUnavailable(error) || Date.now() + waitMs >= deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, waitMs));
      waitMs = Math.min(waitMs * 2, 2_000);
    }
  }
}
