/**
 * Tests wait for a condition with a deadline, never for a fixed time: a fixed sleep is too short on a busy
 * machine and wasted on an idle one. Deadlines may be generous; the wait ends as soon as the condition holds.
 */

/** Polls `probe` until it returns something truthy; fails with the last error after `timeoutMs`. */
export async function waitUntil<T>(
  probe: () => Promise<T | undefined | null | false>,
  timeoutMs = 10_000,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  throw new Error(`condition not met within ${timeoutMs} ms${lastError ? `: ${String(lastError)}` : ''}`);
}
