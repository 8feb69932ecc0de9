import { Type } from 'typebox';
import { defineJob, handle } from './job.js';

/** Deletes stored Idempotency-Key answers past their 24 hours. */
export const expireIdempotencyKeysJob = defineJob({
  name: 'expire-idempotency-keys',
  payload: Type.Object({}, { additionalProperties: false }),
  retry: { attempts: 3, backoffMs: 60_000 },
  everyMs: 60 * 60_000,
});

export const expireIdempotencyKeysHandler = (keys: { expire(): Promise<unknown> }) =>
  handle(expireIdempotencyKeysJob, async () => {
    await keys.expire();
  });
