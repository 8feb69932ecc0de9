import type { FastifyBaseLogger } from 'fastify';
import type { JobDefinition, JobRunner } from './job.js';
import type { JobRegistry } from './registry.js';

/**
 * The embedded default (no Redis): the same job definitions and handlers, run in this process. Jobs with
 * the same id are not run twice while one is pending; schedules are timers. Nothing survives a restart,
 * which is fine: the outbox sweeper and the mailbox poll find what was pending from the database.
 */
export class InProcessRunner implements JobRunner {
  readonly kind = 'in-process' as const;
  private readonly pending = new Set<string>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly running = new Set<Promise<void>>();
  private closed = false;

  constructor(
    private readonly registry: JobRegistry,
    private readonly log: FastifyBaseLogger,
  ) {}

  async enqueue<P>(job: JobDefinition<P>, payload: P, options: { delayMs?: number } = {}): Promise<void> {
    if (this.closed) return;
    const id = job.jobId?.(payload);
    if (id !== undefined) {
      if (this.pending.has(id)) return;
      this.pending.add(id);
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.run(job.name, payload, id);
    }, options.delayMs ?? 0);
    this.timers.add(timer);
  }

  async schedule<P>(job: JobDefinition<P>, everyMs: number, payload: P): Promise<void> {
    let busy = false;
    const timer = setInterval(() => {
      // A slow run is not overlapped by the next tick.
      if (busy || this.closed) return;
      busy = true;
      this.run(job.name, payload, undefined, () => {
        busy = false;
      });
    }, everyMs);
    this.timers.add(timer);
  }

  private run(name: string, payload: unknown, id: string | undefined, done?: () => void): void {
    const task = (async () => {
      try {
        await this.registry.handler(name)(payload);
      } catch (error) {
        this.log.error({ err: error, job: name }, 'job failed');
      } finally {
        if (id !== undefined) this.pending.delete(id);
        done?.();
      }
    })();
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
