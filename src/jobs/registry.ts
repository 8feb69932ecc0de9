import { Value } from 'typebox/value';
import type { JobDefinition, Registration } from './job.js';

/** Thrown at start-up: the declared jobs and the registered handlers do not match one to one. */
export class JobRegistryError extends Error {
  override readonly name = 'JobRegistryError';
}

/** A payload that does not match its job's schema: a bug in whoever queued it, never worth a retry. */
export class BadJobPayload extends Error {
  override readonly name = 'BadJobPayload';
}

/**
 * Job name → handler, checked once at start-up: every declared job has exactly one handler and every
 * handler belongs to a declared job, so a job can neither be queued with nobody to run it nor be run twice
 * by two handlers. Payloads are checked against their job's schema on the way in and on the way out.
 */
export class JobRegistry {
  private readonly handlers = new Map<string, Registration>();

  constructor(
    readonly declared: readonly JobDefinition[],
    registrations: readonly Registration[],
    /** Job name → how often it runs by itself, in place of its definition's `everyMs` (from the config). */
    private readonly intervals: Readonly<Record<string, number>> = {},
  ) {
    const names = new Set(declared.map((job) => job.name));
    if (names.size !== declared.length) throw new JobRegistryError('A job name is declared twice');
    for (const registration of registrations) {
      const { name } = registration.job;
      if (!names.has(name)) throw new JobRegistryError(`Job "${name}" has a handler but is not declared`);
      if (this.handlers.has(name)) throw new JobRegistryError(`Job "${name}" has two handlers`);
      this.handlers.set(name, registration);
    }
    for (const name of Object.keys(intervals)) {
      if (!names.has(name)) throw new JobRegistryError(`Job "${name}" has an interval but is not declared`);
    }
    const missing = declared.filter((job) => !this.handlers.has(job.name)).map((job) => job.name);
    if (missing.length > 0) {
      throw new JobRegistryError(`Declared jobs without a handler: ${missing.join(', ')} (register one at start-up)`);
    }
  }

  /** How often `job` runs by itself: the configured interval, else its definition's; undefined: never. */
  everyMs(job: JobDefinition): number | undefined {
    return job.everyMs === undefined ? undefined : (this.intervals[job.name] ?? job.everyMs);
  }

  definition(name: string): JobDefinition | undefined {
    return this.handlers.get(name)?.job;
  }

  /** Runs a job's handler on a payload; `BadJobPayload` when the payload is not the job's. */
  async run(name: string, payload: unknown): Promise<void> {
    const registration = this.handlers.get(name);
    if (!registration) throw new BadJobPayload(`No job "${name}"`);
    checkPayload(registration.job, payload);
    await registration.handler(payload);
  }
}

export function checkPayload(job: JobDefinition, payload: unknown): void {
  if (!Value.Check(job.payload, payload)) {
    throw new BadJobPayload(`Payload of job "${job.name}" does not match its schema: ${JSON.stringify(payload)}`);
  }
}
