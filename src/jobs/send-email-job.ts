import { Type } from 'typebox';
import { Id } from '../lib/schemas.js';
import { defineJob, handle } from './job.js';

/** One attempt at sending one outbox row; the row carries its own retry schedule (email/outbound/mail-sender.ts). */
export const sendEmailJob = defineJob({
  name: 'send-email',
  payload: Type.Object({ outboxId: Id, attempt: Type.Integer({ minimum: 0 }) }, { additionalProperties: false }),
  jobId: ({ outboxId, attempt }) => `send-email-${outboxId}-${attempt}`,
  retry: { attempts: 1, backoffMs: 1_000 },
});

export const sendEmailHandler = (sender: { sendOne(outboxId: number): Promise<unknown> }) =>
  handle(sendEmailJob, async ({ outboxId }) => {
    await sender.sendOne(outboxId);
  });
