/**
 * A job: its name and how it is queued. Handlers are registered separately (registry.ts) so a definition
 * can be imported by whoever enqueues it without pulling in what the handler needs.
 */
export interface JobDefinition<Payload> {
  name: string;
  /** Stable id for a payload: the queue keeps one job per id, so enqueuing twice does not run twice. */
  jobId?: (payload: Payload) => string;
  /** Retries by the queue for unexpected failures (a handler's own retry policy is separate). */
  attempts: number;
}

export type JobHandler<Payload> = (payload: Payload) => Promise<void>;

export interface JobRunner {
  readonly kind: 'bullmq' | 'in-process';
  enqueue<P>(job: JobDefinition<P>, payload: P, options?: { delayMs?: number }): Promise<void>;
  /** Runs `job` every `everyMs`, once across all workers sharing the queue. */
  schedule<P>(job: JobDefinition<P>, everyMs: number, payload: P): Promise<void>;
  close(): Promise<void>;
}

export interface Registration<P> {
  job: JobDefinition<P>;
  handler: JobHandler<P>;
}

/** Keeps the handler's payload type tied to its definition. */
export function register<P>(job: JobDefinition<P>, handler: JobHandler<P>): Registration<P> {
  return { job, handler };
}
