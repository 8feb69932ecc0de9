import { deliverWebhookHandler } from '../jobs/deliver-webhook-job.js';
import { expireIdempotencyKeysHandler } from '../jobs/expire-idempotency-keys-job.js';
import type { Registration } from '../jobs/job.js';
import { sendEmailHandler } from '../jobs/send-email-job.js';
import { sweepOutboxHandler } from '../jobs/sweep-outbox-job.js';
import { sweepSlaHandler } from '../jobs/sweep-sla-job.js';
import { sweepWebhooksHandler } from '../jobs/sweep-webhooks-job.js';

export interface JobDependencies {
  mailSender: { sendOne(outboxId: number): Promise<unknown>; sweep(): Promise<unknown> };
  idempotency: { expire(): Promise<unknown> };
  webhookSender: { deliverOne(deliveryId: number): Promise<unknown>; sweep(): Promise<unknown> };
  slaSweeper: { sweep(): Promise<unknown> };
}

/** A handler for every job in jobs/catalog.ts; the registry checks that none is missing. */
export function jobHandlers(deps: JobDependencies): Registration[] {
  return [
    sendEmailHandler(deps.mailSender),
    sweepOutboxHandler(deps.mailSender),
    expireIdempotencyKeysHandler(deps.idempotency),
    deliverWebhookHandler(deps.webhookSender),
    sweepWebhooksHandler(deps.webhookSender),
    sweepSlaHandler(deps.slaSweeper),
  ];
}
