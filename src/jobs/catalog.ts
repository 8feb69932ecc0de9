import { deliverWebhookJob } from './deliver-webhook-job.js';
import { expireIdempotencyKeysJob } from './expire-idempotency-keys-job.js';
import type { JobDefinition } from './job.js';
import { sendEmailJob } from './send-email-job.js';
import { sweepOutboxJob } from './sweep-outbox-job.js';
import { sweepSlaJob } from './sweep-sla-job.js';
import { sweepWebhooksJob } from './sweep-webhooks-job.js';

/** Every job this application declares; runtime/job-handlers.ts registers a handler for each, or start-up stops. */
export const declaredJobs: readonly JobDefinition[] = [
  sendEmailJob,
  sweepOutboxJob,
  expireIdempotencyKeysJob,
  deliverWebhookJob,
  sweepWebhooksJob,
  sweepSlaJob,
];
