import { Queue, UnrecoverableError, Worker } from 'bullmq';
import type { FastifyBaseLogger } from 'fastify';
import { Redis } from 'ioredis';
import type { Static, TSchema } from 'typebox';
import { isConnectionError, watchRedis } from '../lib/redis-watch.js';
import { currentRequestId, runWithRequest } from '../lib/request-context.js';
import type { JobDefinition, JobRunner } from './job.js';
import { BadJobPayload, checkPayload, type JobRegistry } from './registry.js';

const QUEUE = 'service-desk';
const SCHEDULE_CHECK_MS = 5_000;
/** The key a job's data keeps the id of the request that queued it under, beside its payload. */
const REQUEST_ID = 'reqId';
type JobData = Record<string, unknown> | undefined;

/**
 * Jobs on Redis with BullMQ. Every process can queue; only processes started with `work: true`
 * (`npm run worker`) take jobs and keep the schedules (BullMQ job schedulers: one per job, whatever the
 * number of processes that declare it).
 */
export class BullmqRunner implements JobRunner {
  readonly kind = 'bullmq' as const;
  private readonly queue: Queue;
  private worker: Worker | undefined;
  private readonly connections: Redis[] = [];
  private readonly schedules = new Map<string, () => Promise<unknown>>();
  private scheduleCheck: NodeJS.Timeout | undefined;

  constructor(
    private readonly redisUrl: string,
    private readonly prefix: string,
    private readonly log: FastifyBaseLogger,
    private readonly options: { work: boolean; concurrency?: number },
  ) {
    this.queue = new Queue(QUEUE, {
      connection: this.connect(),
      prefix,
      defaultJobOptions: { removeOnComplete: 1000, removeOnFail: 5000 },
    });
    // Without a listener BullMQ prints each failed reconnect to stderr (the connection's own listener logs it).
    this.queue.on('error', () => undefined);
  }

  private connect(): Redis {
    // maxRetriesPerRequest null: a worker's blocking commands must wait through a Redis restart.
    const connection = new Redis(this.redisUrl, { maxRetriesPerRequest: null, enableOfflineQueue: true });
    watchRedis(connection, this.log, this.connections.length === 0 ? 'queue' : 'worker');
    this.connections.push(connection);
    return connection;
  }

  async start(registry: JobRegistry): Promise<void> {
    if (!this.options.work) return;
    this.worker = new Worker(QUEUE, async (job) => this.process(registry, job.name, job.data as JobData), {
      connection: this.connect(),
      prefix: this.prefix,
      concurrency: this.options.concurrency ?? 4,
    });
    this.worker.on('failed', (job, error) => this.log.error({ err: error, job: job?.name }, 'job failed'));
    // A lost connection is logged once by its watcher; BullMQ repeats it here on every retry.
    this.worker.on('error', (error) => {
      if (!isConnectionError(error)) this.log.warn({ err: error }, 'worker error');
    });
    for (const job of registry.declared) {
      const everyMs = registry.everyMs(job);
      if (everyMs !== undefined) await this.schedule(job, everyMs);
    }
  }

  private async process(registry: JobRegistry, name: string, data: JobData): Promise<void> {
    const { [REQUEST_ID]: reqId, ...payload } = data ?? {};
    try {
      if (typeof reqId === 'string') await runWithRequest({ reqId }, () => registry.run(name, payload));
      else await registry.run(name, payload);
    } catch (error) {
      if (error instanceof BadJobPayload) throw new UnrecoverableError(error.message);
      throw error;
    }
  }

  async enqueue<S extends TSchema>(
    job: JobDefinition<S>,
    payload: Static<S>,
    options: { delayMs?: number } = {},
  ): Promise<void> {
    checkPayload(job, payload);
    const jobId = job.jobId?.(payload);
    const reqId = currentRequestId();
    await this.queue.add(job.name, reqId ? { ...payload, [REQUEST_ID]: reqId } : payload, {
      jobId,
      // An id dedupes live jobs only: once finished, the same id may be queued again (a retry, a sweep).
      ...(jobId !== undefined ? { removeOnComplete: true, removeOnFail: true } : {}),
      attempts: job.retry.attempts,
      backoff: { type: 'exponential', delay: job.retry.backoffMs },
      delay: options.delayMs,
    });
  }

  /** Jobs by state (waiting, active, delayed, failed, …): the queue gauges of /metrics. */
  async counts(): Promise<Record<string, number>> {
    return this.queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'failed');
  }

  private async schedule(job: JobDefinition, everyMs: number): Promise<void> {
    const upsert = () => this.queue.upsertJobScheduler(job.name, { every: everyMs }, { name: job.name, data: {} });
    await upsert();
    this.schedules.set(job.name, upsert);
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
