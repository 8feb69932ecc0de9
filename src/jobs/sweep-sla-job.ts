import { Type } from 'typebox';
import { defineJob, handle } from './job.js';

/**
 * Notices SLA breaches (sla/ticket-sla.ts): every late target is recorded with its `sla.breached` event.
 * Every 30 s by default (SLA_SWEEP_INTERVAL_SECONDS, config.sla: the registry's interval wins), so a breach
 * is noticed within a minute of its due time; several workers may run it at once.
 */
export const sweepSlaJob = defineJob({
  name: 'sweep-sla',
  payload: Type.Object({}, { additionalProperties: false }),
  retry: { attempts: 1, backoffMs: 1_000 },
  everyMs: 30_000,
});

export const sweepSlaHandler = (sla: { sweep(): Promise<unknown> }) =>
  handle(sweepSlaJob, async () => {
    await sla.sweep();
  });
