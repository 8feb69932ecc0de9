import { Type } from 'typebox';
import { defineJob, handle } from './job.js';

/**
 * Queues webhook deliveries that are due: recorded by the trigger (the waker's notification may be lost),
 * waiting for a retry, or whose job was lost (Redis flushed, a worker killed).
 */
export const sweepWebhooksJob = defineJob({
  name: 'sweep-webhooks',
  payload: Type.Object({}, { additionalProperties: false }),
  retry: { attempts: 1, backoffMs: 1_000 },
  everyMs: 5_000,
});

export const sweepWebhooksHandler = (sender: { sweep(): Promise<unknown> }) =>
  handle(sweepWebhooksJob, async () => {
    await sender.sweep();
  });
