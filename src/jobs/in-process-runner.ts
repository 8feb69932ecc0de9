import type { FastifyBaseLogger } from 'fastify';
import type { Static, TSchema } from 'typebox';
import type { JobDefinition, JobRunner } from './job.js';
import { BadJobPayload, checkPayload, type JobRegistry } from './registry.js';

interface Pending {
  job: JobDefinition;
  payload: unknown;
  id: string | undefined;
  delayMs: number;
}

/**
 * The embedded default (no Redis): the same job definitions and handlers, run in this process with timers.
 * Jobs with the same id are not run twice while one is pending; a failed run is retried as its definition
 * says; schedules are intervals that never overlap themselves. Nothing survives a restart, which is fine:
 * the outbox sweeper and the mailbox poll find what was pending from the database. Jobs queued before
 * `start` wait for it.
 */
export class InProcessRunner implements JobRunner {
  readonly kind = 'in-process' as const;
  private registry: JobRegistry | undefined;
  private readonly waiting: Pending[] = [];
  private readonly pendingIds = new Set<string>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly running = new Set<Promise<void>>();
  private closed = false;

  constructor(private readonly log: FastifyBaseLogger) {}

  async start(registry: JobRegistry): Promise<void> {
    this.registry = registry;
    for (const pending of this.waiting.splice(0)) this.later(pending, pending.delayMs);
    for (const job of registry.declared) {
      const everyMs = registry.everyMs(job);
      if (everyMs !== undefined) this.every(job, everyMs);
    }
  }

  async enqueue<S extends TSchema>(
    job: JobDefinition<S>,
    payload: Static<S>,
    options: { delayMs?: number } = {},
  ): Promise<void> {
    if (this.closed) return;
    checkPayload(job, payload);
    const id = job.jobId?.(payload);
    if (id !== undefined) {
      if (this.pendingIds.has(id)) return;
      this.pendingIds.add(id);
    }
    const pending = { job, payload, id, delayMs: options.delayMs ?? 0 };
    if (this.registry) this.later(pending, pending.delayMs);
    else this.waiting.push(pending);
  }

  private later(pending: Pending, delayMs: number, attempt = 1): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.track(this.runOnce(pending, attempt));
    }, delayMs);
    this.timers.add(timer);
  }

  private async runOnce(pending: Pending, attempt: number): Promise<void> {
    const { job, payload, id } = pending;
    try {
      await this.registry?.run(job.name, payload);
    } catch (error) {
      const retry = !(error instanceof BadJobPayload) && attempt < job.retry.attempts && !this.closed;
      this.log.error({ err: error, job: job.name, attempt, retry }, 'job failed');
      if (retry) return this.later(pending, job.retry.backoffMs * 2 ** (attempt - 1), attempt + 1);
    }
    if (id !== undefined) this.pendingIds.delete(id);
  }

  private every(job: JobDefinition, everyMs: number): void {
    let busy = false;
    const timer = setInterval(() => {
      // A slow run is not overlapped by the next tick.
      if (busy || this.closed) return;
      busy = true;
      const run = this.registry?.run(job.name, {}) ?? Promise.resolve();
      this.track(
        run
          .catch((error: unknown) => this.log.error({ err: error, job: job.name }, 'job failed'))
          .finally(() => {
            busy = false;
          }),
      );
    }, everyMs);
    this.timers.add(timer);
  }

  private track(task: Promise<void>): void {
    this.running.add(task);
    void task.finally(() => this.running.delete(task));
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await Promise.allSettled([...this.running]);
  }
}
