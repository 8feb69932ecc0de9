import { Type } from 'typebox';
import { defineJob, handle } from './job.js';

/** Queues outbox rows that are due: never queued, queue lost (Redis flushed), or waiting for a retry. */
export const sweepOutboxJob = defineJob({
  name: 'sweep-outbox',
  payload: Type.Object({}, { additionalProperties: false }),
  retry: { attempts: 1, backoffMs: 1_000 },
  everyMs: 5_000,
});

export const sweepOutboxHandler = (sender: { sweep(): Promise<unknown> }) =>
  handle(sweepOutboxJob, async () => {
    await sender.sweep();
  });
