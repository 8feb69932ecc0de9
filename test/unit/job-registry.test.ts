import { pino } from 'pino';
import { Type } from 'typebox';
import { describe, expect, it } from 'vitest';
import { declaredJobs } from '../../src/jobs/catalog.js';
import { InProcessRunner } from '../../src/jobs/in-process-runner.js';
import { defineJob, handle } from '../../src/jobs/job.js';
import { JobRegistry, JobRegistryError } from '../../src/jobs/registry.js';
import { jobHandlers } from '../../src/runtime/job-handlers.js';

const ping = defineJob({
  name: 'ping',
  payload: Type.Object({ n: Type.Integer() }, { additionalProperties: false }),
  retry: { attempts: 3, backoffMs: 5 },
});
const pong = defineJob({ name: 'pong', payload: Type.Object({}), retry: { attempts: 1, backoffMs: 5 } });
const noop = async () => undefined;

describe('the job registry', () => {
  it('refuses to start when a declared job has no handler, naming it', () => {
    expect(() => new JobRegistry([ping, pong], [handle(ping, noop)])).toThrow(JobRegistryError);
    expect(() => new JobRegistry([ping, pong], [handle(ping, noop)])).toThrow(
      'Declared jobs without a handler: pong (register one at start-up)',
    );
  });

  it('refuses two handlers for one job, and a handler for a job nobody declared', () => {
    expect(() => new JobRegistry([ping], [handle(ping, noop), handle(ping, noop)])).toThrow(
      'Job "ping" has two handlers',
    );
    expect(() => new JobRegistry([ping], [handle(ping, noop), handle(pong, noop)])).toThrow(
      'Job "pong" has a handler but is not declared',
    );
  });

  it('has a handler for every job the application declares (what start-up checks)', () => {
    const deps = {
      mailSender: { sendOne: noop, sweep: noop },
      idempotency: { expire: noop },
      webhookSender: { deliverOne: noop, sweep: noop },
      slaSweeper: { sweep: noop },
    };
    const registry = new JobRegistry(declaredJobs, jobHandlers(deps));
    expect(declaredJobs.map((job) => registry.definition(job.name)?.name)).toEqual(declaredJobs.map((j) => j.name));
  });

  it('runs a scheduled job at its configured interval, else its own; refuses an interval for an unknown job', () => {
    const tick = defineJob({
      name: 'tick',
      payload: Type.Object({}),
      retry: { attempts: 1, backoffMs: 5 },
      everyMs: 30_000,
    });
    const handlers = [handle(tick, noop), handle(pong, noop)];
    expect(new JobRegistry([tick, pong], handlers).everyMs(tick)).toBe(30_000);
    expect(new JobRegistry([tick, pong], handlers, { tick: 2_000 }).everyMs(tick)).toBe(2_000);
    expect(new JobRegistry([tick, pong], handlers, { pong: 2_000 }).everyMs(pong)).toBeUndefined();
    expect(() => new JobRegistry([tick, pong], handlers, { tock: 2_000 })).toThrow(
      'Job "tock" has an interval but is not declared',
    );
  });

  it('refuses a payload that is not the job’s, before its handler runs', async () => {
    const seen: unknown[] = [];
    const registry = new JobRegistry([ping], [handle(ping, async (payload) => void seen.push(payload))]);
    await expect(registry.run('ping', { n: 'one' })).rejects.toThrow('does not match its schema');
    await registry.run('ping', { n: 1 });
    expect(seen).toEqual([{ n: 1 }]);
  });
});

describe('the in-process runner', () => {
  const log = pino({ level: 'silent' });

  it('runs jobs queued before start once it starts, and retries a failure as the job says', async () => {
    const runner = new InProcessRunner(log);
    const attempts: number[] = [];
    let done!: () => void;
    const finished = new Promise<void>((resolve) => {
      done = resolve;
    });
    const registry = new JobRegistry(
      [ping],
      [
        handle(ping, async ({ n }) => {
          attempts.push(n);
          if (attempts.length < 3) throw new Error('not yet');
          done();
        }),
      ],
    );
    await runner.enqueue(ping, { n: 7 });
    expect(attempts).toEqual([]);
    await runner.start(registry);
    await finished;
    expect(attempts).toEqual([7, 7, 7]);
    await runner.close();
  });

  it('refuses to queue a payload that is not the job’s', async () => {
    const runner = new InProcessRunner(log);
    // @ts-expect-error the payload's type is checked at compile time too; this is what a cast would let through
    await expect(runner.enqueue(ping, { n: 'x' })).rejects.toThrow('does not match its schema');
    await runner.close();
  });
});
