import type { JobDefinition } from './job.js';

/** One attempt of sending one outbox row; the row carries its own retry schedule. */
export const sendEmailJob: JobDefinition<{ outboxId: number; attempt: number }> = {
  name: 'send-email',
  jobId: ({ outboxId, attempt }) => `send-email-${outboxId}-${attempt}`,
  attempts: 1,
};

/** Requeues outbox rows that are due: never queued, queue lost (Redis flushed), or waiting for a retry. */
export const sweepOutboxJob: JobDefinition<Record<string, never>> = {
  name: 'sweep-outbox',
  attempts: 1,
};
