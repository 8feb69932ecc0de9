import { Queue, UnrecoverableError, Worker } from 'bullmq';
import type { FastifyBaseLogger } from 'fastify';
import { Redis } from 'ioredis';
import type { JobDefinition, JobRunner } from './job.js';
import type { JobRegistry } from './registry.js';

const QUEUE = 'service-desk';
const SCHEDULE_CHECK_MS = 5_000;

/**
 * Jobs on Redis with BullMQ. Every process can enqueue; only processes started with `work: true`
 * (`npm run worker`, or the API when asked to) take jobs. Schedules are BullMQ job schedulers: one per name,
 * whatever the number of processes that declare it.
 */
export class BullmqRunner implements JobRunner {
  readonly kind = 'bullmq' as const;
  private readonly queue: Queue;
  private worker: Worker | undefined;
  private readonly connections: Redis[] = [];
  private readonly schedules = new Map<string, () => Promise<unknown>>();
  private scheduleCheck: NodeJS.Timeout | undefined;

  constructor(
    redisUrl: string,
    prefix: string,
    private readonly registry: JobRegistry,
    private readonly log: FastifyBaseLogger,
    options: { work: boolean; concurrency?: number },
  ) {
    const connect = () => {
      // maxRetriesPerRequest null: a worker's blocking commands must wait through a Redis restart.
      const connection = new Redis(redisUrl, { maxRetriesPerRequest: null, enableOfflineQueue: true });
      connection.on('error', (error) => this.log.warn({ err: error }, 'redis connection error'));
      this.connections.push(connection);
      return connection;
    };
    this.queue = new Queue(QUEUE, {
      connection: connect(),
      prefix,
      defaultJobOptions: { removeOnComplete: 1000, removeOnFail: 5000 },
    });
    // Without a listener BullMQ prints each failed reconnect to stderr (the connection's own listener logs it).
    this.queue.on('error', () => undefined);
    if (options.work) {
      this.worker = new Worker(QUEUE, async (job) => this.process(job.name, job.data), {
        connection: connect(),
        prefix,
        concurrency: options.concurrency ?? 4,
      });
      this.worker.on('failed', (job, error) => this.log.error({ err: error, job: job?.name }, 'job failed'));
      this.worker.on('error', (error) => this.log.warn({ err: error }, 'worker error'));
    }
  }

  private async process(name: string, data: unknown): Promise<void> {
    let handler: (payload: unknown) => Promise<void>;
    try {
      handler = this.registry.handler(name);
    } catch (error) {
      throw new UnrecoverableError((error as Error).message);
    }
    await handler(data);
  }

  async enqueue<P>(job: JobDefinition<P>, payload: P, options: { delayMs?: number } = {}): Promise<void> {
    const jobId = job.jobId?.(payload);
    await this.queue.add(job.name, payload, {
      jobId,
      // An id dedupes live jobs only: once finished, the same id may be queued again (a retry, a sweep).
      ...(jobId !== undefined ? { removeOnComplete: true, removeOnFail: true } : {}),
      attempts: job.attempts,
      backoff: { type: 'exponential', delay: 1000 },
      delay: options.delayMs,
    });
  }

  async schedule<P>(job: JobDefinition<P>, everyMs: number, payload: P): Promise<void> {
    const schedulerId = job.jobId?.(payload) ?? `${job.name}:${JSON.stringify(payload)}`;
    const upsert = () =>
      this.queue.upsertJobScheduler(schedulerId, { every: everyMs }, { name: job.name, data: payload });
    await upsert();
    this.schedules.set(schedulerId, upsert);
    this.scheduleCheck ??= setInterval(() => void this.restoreLostSchedules(), SCHEDULE_CHECK_MS);
  }

  /**
   * A schedule lives in Redis only: a flush, or a restart without persistence, erases it while this
   * process keeps running — and then the outbox sweeper would never run again. Each process that declared
   * a schedule puts it back when it finds it gone.
   */
  private async restoreLostSchedules(): Promise<void> {
    for (const [schedulerId, upsert] of this.schedules) {
      try {
        if (await this.queue.getJobScheduler(schedulerId)) continue;
        await upsert();
        this.log.warn({ schedulerId }, 'job schedule was lost from Redis; restored');
      } catch (error) {
        this.log.warn({ err: error, schedulerId }, 'could not check the job schedule');
      }
    }
  }

  async close(): Promise<void> {
    clearInterval(this.scheduleCheck);
    await this.worker?.close();
    await this.queue.close();
    for (const connection of this.connections) connection.disconnect();
  }
}
