import type { Stats } from './http.js';
import type { CustomerLoad } from './load.js';
import type { MailPhase } from './mail-phase.js';
import { sleep } from './proc.js';
import type { SoakPostgres, SoakRedis } from './services.js';

/** When the servers went down and came back (performance.now()), for the summary. */
export interface FaultTimes {
  pgStoppedAt: number | undefined;
  pgBackAt: number | undefined;
  redisStoppedAt: number | undefined;
  redisBackAt: number | undefined;
  /** The API's restart, when the run has one (with workers): SIGTERM sent, answering again, how it exited. */
  apiStoppedAt: number | undefined;
  apiBackAt: number | undefined;
  apiExit: string | undefined;
}

/** The API process, restarted under load (ApiProcess.restart). */
export interface RestartableApi {
  restart(): Promise<{ code: number | null; signal: NodeJS.Signals | null } | undefined>;
}

export interface FaultPlan {
  seconds: number;
  pgRestarts: number;
  pgDownSeconds: number;
  redisDownSeconds: number;
}

/** A sleep that ends early when the load is aborted (the API died, Ctrl-C). */
export function waitUnlessAborted(load: CustomerLoad): (ms: number) => Promise<void> {
  return async (ms: number) => {
    const until = performance.now() + ms;
    while (!load.aborted && performance.now() < until) await sleep(Math.min(250, until - performance.now()));
  };
}

/**
 * The faults under load: PostgreSQL restarted at 1/3 of the run (with --pg-restarts N, the others spread
 * up to 2/3), with workers the API restarted at 5/12, or 3 s after PostgreSQL is back (SIGTERM, then started
 * again: a deploy), Redis shut
 * down without saving at 2/3 (after the killed worker's replacement started, with workers). `phase` says
 * what is down, for the progress lines.
 */
export class Faults {
  readonly times: FaultTimes = {
    pgStoppedAt: undefined,
    pgBackAt: undefined,
    redisStoppedAt: undefined,
    redisBackAt: undefined,
    apiStoppedAt: undefined,
    apiBackAt: undefined,
    apiExit: undefined,
  };
  readonly phase = { pgDown: false, redisDown: false, apiDown: false };
  private readonly wait: (ms: number) => Promise<void>;

  constructor(
    private readonly plan: FaultPlan,
    private readonly servers: { postgres: SoakPostgres; redis: SoakRedis },
    private readonly stats: Stats,
    private readonly load: CustomerLoad,
    private readonly mail: MailPhase | undefined,
    private readonly event: (text: string) => void,
    private readonly api: RestartableApi | undefined,
  ) {
    this.wait = waitUnlessAborted(load);
  }

  async run(): Promise<void> {
    const { seconds, pgRestarts } = this.plan;
    const spacingMs = Math.max(5_000, (seconds * 1000) / 3 / pgRestarts);
    for (let n = 1; n <= pgRestarts; n++) {
      await this.wait(this.stats.t0 + (seconds * 1000) / 3 + (n - 1) * spacingMs - performance.now());
      if (this.load.aborted) return;
      await this.restartPostgres(n);
    }

    if (this.api) {
      // Not before writes could resume after PostgreSQL's restart: each recovery is measured on its own.
      const at = Math.max(this.stats.t0 + (seconds * 5000) / 12, (this.times.pgBackAt ?? 0) + 3_000);
      await this.wait(at - performance.now());
      if (this.load.aborted) return;
      await this.restartApi(this.api);
    }

    await this.wait(this.stats.t0 + (seconds * 2000) / 3 - performance.now());
    if (this.mail) {
      // A kill at half time starts a replacement, which takes a while to boot on a busy machine.
      await Promise.race([this.mail.replacementStarted(), sleep(60_000)]);
      await this.wait(1000);
    }
    if (this.load.aborted) return;
    await this.restartRedis();
  }

  private async restartPostgres(n: number): Promise<void> {
    const { pgRestarts, pgDownSeconds } = this.plan;
    const label = pgRestarts > 1 ? `PostgreSQL (${n}/${pgRestarts})` : 'PostgreSQL';
    this.event(`${label}: pg_ctl stop -m fast`);
    await this.servers.postgres.stop('fast');
    this.phase.pgDown = true;
    this.times.pgStoppedAt ??= performance.now();
    const pgWindow = this.stats.openWindow(pgRestarts > 1 ? `PostgreSQL down (${n})` : 'PostgreSQL down');
    this.event(`${label} stopped; down for ${pgDownSeconds} s`);
    await sleep(pgDownSeconds * 1000);
    pgWindow.to = performance.now();
    await this.servers.postgres.start();
    this.phase.pgDown = false;
    this.times.pgBackAt = performance.now();
    this.event(`${label} started again`);
  }

  private async restartApi(api: RestartableApi): Promise<void> {
    this.event('API: SIGTERM (a restart, as a deploy does it)');
    this.phase.apiDown = true;
    this.times.apiStoppedAt = performance.now();
    const exit = await api.restart();
    this.phase.apiDown = false;
    this.times.apiBackAt = performance.now();
    this.times.apiExit = exit ? (exit.signal ?? `exit code ${exit.code}`) : 'still running';
    this.event(`API answering again (the old process: ${this.times.apiExit})`);
  }

  private async restartRedis(): Promise<void> {
    this.event('Redis: SHUTDOWN NOSAVE');
    await this.servers.redis.shutdown();
    this.phase.redisDown = true;
    this.times.redisStoppedAt = performance.now();
    const redisWindow = this.stats.openWindow('Redis down');
    await sleep(this.plan.redisDownSeconds * 1000);
    redisWindow.to = performance.now();
    await this.servers.redis.start();
    this.phase.redisDown = false;
    this.times.redisBackAt = performance.now();
    this.event('Redis started again (empty)');
  }
}
