import type { Static, TSchema } from 'typebox';
import type { JobRegistry } from './registry.js';

/**
 * A job: its name, the shape of its payload, how the queue retries it, and optionally how often it runs by
 * itself. Each job is one file (`*-job.ts`) with its definition and its handler; `catalog.ts` declares the
 * jobs a process may queue, and the registry refuses to start when a declared job has no handler.
 */
export interface JobDefinition<S extends TSchema = TSchema> {
  readonly name: string;
  readonly payload: S;
  /** Stable id for a payload: the queue keeps one live job per id, so queueing twice does not run twice. */
  jobId?(payload: Static<S>): string;
  /** Runs for unexpected failures (a handler with its own retry schedule, like sending mail, uses 1). */
  readonly retry: { attempts: number; backoffMs: number };
  /** Runs by itself this often, once across all the processes that take jobs. */
  readonly everyMs?: number;
}

export function defineJob<S extends TSchema>(definition: JobDefinition<S>): JobDefinition<S> {
  return definition;
}

export type JobHandler<S extends TSchema> = (payload: Static<S>) => Promise<void>;

/** A handler bound to its job, so its payload type cannot drift from the definition. */
export interface Registration {
  readonly job: JobDefinition;
  readonly handler: (payload: unknown) => Promise<void>;
}

export function handle<S extends TSchema>(job: JobDefinition<S>, handler: JobHandler<S>): Registration {
  return { job, handler: handler as (payload: unknown) => Promise<void> };
}

/** What services use: put a job on the queue (after their transaction has committed). */
export interface JobQueue {
  enqueue<S extends TSchema>(job: JobDefinition<S>, payload: Static<S>, options?: { delayMs?: number }): Promise<void>;
}

/** The queue seen by a process: BullMQ on Redis, or in-process timers for the embedded default. */
export interface JobRunner extends JobQueue {
  readonly kind: 'bullmq' | 'in-process';
  /** Starts running the registry's jobs (where this process takes jobs), their schedules included. */
  start(registry: JobRegistry): Promise<void>;
  close(): Promise<void>;
}
