import type { JobHandler, Registration } from './job.js';

/** Name → handler. Boot fails on a name registered twice, so two handlers can never race for one job. */
export class JobRegistry {
  private readonly handlers = new Map<string, JobHandler<unknown>>();

  constructor(registrations: Registration<never>[]) {
    for (const { job, handler } of registrations) {
      if (this.handlers.has(job.name)) throw new Error(`Job "${job.name}" has two handlers`);
      this.handlers.set(job.name, handler as JobHandler<unknown>);
    }
  }

  handler(name: string): JobHandler<unknown> {
    const handler = this.handlers.get(name);
    if (!handler) throw new Error(`Job "${name}" has no handler`);
    return handler;
  }

  names(): string[] {
    return [...this.handlers.keys()];
  }
}
