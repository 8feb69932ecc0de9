import { Type } from 'typebox';
import { defineJob, handle } from './job.js';

/** One attempt at one webhook delivery; the delivery row carries its retry schedule (webhooks/webhook-sender.ts). */
export const deliverWebhookJob = defineJob({
  name: 'deliver-webhook',
  payload: Type.Object(
    { deliveryId: Type.Integer({ minimum: 1 }), attempt: Type.Integer({ minimum: 0 }) },
    { additionalProperties: false },
  ),
  jobId: ({ deliveryId, attempt }) => `deliver-webhook-${deliveryId}-${attempt}`,
  retry: { attempts: 1, backoffMs: 1_000 },
});

export const deliverWebhookHandler = (sender: { deliverOne(deliveryId: number): Promise<unknown> }) =>
  handle(deliverWebhookJob, async ({ deliveryId }) => {
    await sender.deliverOne(deliveryId);
  });
