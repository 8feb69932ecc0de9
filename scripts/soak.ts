import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { ApiProcess } from './soak/api-process.js';
import { Cleanups } from './soak/cleanup.js';
import { Faults, type FaultTimes, waitUnlessAborted } from './soak/faults.js';
import { Stats } from './soak/http.js';
import { type Account, Api, CustomerLoad } from './soak/load.js';
import { MailPhase, type MailSummary } from './soak/mail-phase.js';
import { reportProgress, sampleMemory, Timeline } from './soak/monitor.js';
import { parseOptions } from './soak/options.js';
import { freePort, sleep } from './soak/proc.js';
import type { Report } from './soak/report.js';
import { redisQuery, SoakPostgres, SoakRedis } from './soak/services.js';
import { summarise } from './soak/summary.js';
import { WebhookPhase } from './soak/webhook-phase.js';

/**
 * The soak ("Prove it holds — faults under load"). It starts its own PostgreSQL (initdb in a temporary
 * folder, 127.0.0.1 only) and Redis, and the API as a child process (`tsx src/server.ts`) on them. N
 * customers write for D seconds — tickets, and messages on their own tickets — each write tagged with a
 * UUID in its text and sent with that UUID as Idempotency-Key, retried with the same key on 503 (after
 * Retry-After), 409, other 5xx, network errors and timeouts; a few operators read the open-ticket list.
 * PostgreSQL is restarted at 1/3 of the run (fast stop, 2 s down) and Redis at 2/3 (SHUTDOWN NOSAVE).
 * Afterwards every tag is counted in PostgreSQL, and the run fails (exit 1) on any loss, duplicate, non-503
 * 5xx, 503 without Retry-After, hang, missing recovery, key held by 409 past a request timeout, unclean
 * stop or runaway memory. With --with-worker, two `npm run worker` processes mail operators' answers
 * through the project's test mail stack, one is SIGKILLed mid-run, the API is restarted at 5/12 (SIGTERM,
 * then started again on the same port, as a deploy does), and every customer's inbox is counted;
 * every new ticket is also a webhook delivery to a receiver here (scripts/soak/webhook-phase.ts), each
 * checked delivered, and acknowledged with a 2xx once.
 * Everything started is stopped at the end, also on failure and Ctrl-C. `npm run soak -- --help`.
 */

const { options, project } = parseOptions();
const { seconds, clients, operators } = options;
const projectRoot = path.resolve(project ?? path.join(import.meta.dirname, '..'));
const scriptStart = performance.now();
const stamp = () => `[${((performance.now() - scriptStart) / 1000).toFixed(1).padStart(5)}s]`;
const say = (text: string) => console.log(`${stamp()} ${text}`);

const cleanups = new Cleanups();
cleanups.exitOnSignals(stamp);

const runId = randomBytes(3).toString('hex');
const folder = makeFolder();

interface Servers {
  postgres: SoakPostgres;
  redis: SoakRedis;
}

interface Accounts {
  operatorAccounts: Account[];
  customers: Account[];
}

/** The API's exit during the run is a failure; the soak's own stop at the end (or the clean-up's) is not. */
interface ApiWatch {
  died: string | undefined;
  stopping: boolean;
  /** The planned restart (with workers): the old process's exit is not a death. */
  restarting: boolean;
}

interface LoadResult {
  load: CustomerLoad;
  timeline: Timeline;
  faults: FaultTimes;
  faultError: unknown;
  memory: { t: number; kb: number }[];
  rssAtStart: number | undefined;
  rssAtEnd: number | undefined;
  loadSeconds: number;
  loadAverage: { start: number; end: number };
}

/**
 * The temporary folder: both servers' data, the API's DATA_DIR, the logs. Removed at the end; after a
 * failure only the logs stay, with --keep everything does.
 */
function makeFolder(): { tmp: string; logDir: string; keepLogs: boolean } {
  const tmp = mkdtempSync('/tmp/sd-soak-');
  chmodSync(tmp, 0o755); // the postgres user must reach its data folder inside
  const logDir = path.join(tmp, 'logs');
  mkdirSync(logDir, { mode: 0o777 });
  chmodSync(logDir, 0o777); // written by root (API, Redis) and by postgres (server log)
  const made = { tmp, logDir, keepLogs: options.keep };
  cleanups.add('temporary folder', async () => {
    if (options.keep) return;
    if (made.keepLogs) {
      for (const sub of ['pgdata', 'pgsocket', 'redis', 'data'])
        rmSync(path.join(tmp, sub), { recursive: true, force: true });
      console.log(`logs kept in ${logDir}`);
    } else {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
  return made;
}

/** Own PostgreSQL and Redis on their own ports. */
async function startServers(): Promise<Servers> {
  const pgPort = await freePort(55432);
  const redisPort = await freePort(56379);
  const postgres = new SoakPostgres(folder.tmp, pgPort, folder.logDir);
  const redis = new SoakRedis(folder.tmp, redisPort, folder.logDir);
  cleanups.add('PostgreSQL', () => postgres.destroy());
  cleanups.add('Redis', () => redis.destroy());
  await Promise.all([
    (async () => {
      await postgres.init();
      await postgres.start();
      await postgres.createDatabase();
    })(),
    redis.start(),
  ]);
  say(`PostgreSQL on 127.0.0.1:${pgPort}, Redis on 127.0.0.1:${redisPort}`);
  return { postgres, redis };
}

/** The API as a child process on those servers, with an admin account; resolves once it answers. */
async function startApi(
  servers: Servers,
  mail: MailPhase | undefined,
  hooks: WebhookPhase | undefined,
): Promise<{ api: ApiProcess; env: Record<string, string>; admin: { email: string; password: string } }> {
  const apiPort = await freePort();
  const admin = {
    email: `soak-admin-${runId}@soak.example.test`,
    password: `soak-admin-${randomBytes(8).toString('hex')}`,
  };
  const env: Record<string, string> = {
    DATABASE_URL: servers.postgres.url,
    REDIS_URL: servers.redis.url,
    REDIS_PREFIX: `sd-soak-${runId}`,
    DATA_DIR: path.join(folder.tmp, 'data'),
    SECRET_KEY: randomBytes(32).toString('hex'),
    ADMIN_EMAIL: admin.email,
    ADMIN_PASSWORD: admin.password,
    LOG_LEVEL: process.env.SOAK_LOG_LEVEL ?? 'warn',
    // One address signs up and logs in a crowd of users: a load test, which RATE_LIMITS=off is for.
    RATE_LIMITS: 'off',
    ACCESS_TOKEN_EXPIRE_MINUTES: String(Math.ceil(seconds / 60) + 60),
    ...(mail?.env ?? {}),
    ...(hooks?.env ?? {}),
  };
  const api = ApiProcess.start(projectRoot, apiPort, env, path.join(folder.logDir, 'api.log'));
  cleanups.add('API', async () => {
    const started = performance.now();
    await api.process.stop('SIGTERM', 8_000);
    say(`API stopped (SIGTERM, SIGKILL after 8 s) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  });
  await api.waitReady();
  say(`API on ${api.baseUrl} (pid ${api.pid})`);
  return { api, env, admin };
}

/** Accounts, before the clock starts: operators (two at least with workers) and customers, four at a time. */
async function signUp(
  client: Api,
  admin: { email: string; password: string },
  mail: MailPhase | undefined,
): Promise<Accounts> {
  const adminToken = await client.login(admin.email, admin.password);
  const operatorAccounts: Account[] = [];
  for (let i = 0; i < Math.max(operators, mail ? 2 : 0); i++) {
    operatorAccounts.push(await client.newAccount(`op${i}`, { adminToken, role: 'operator' }));
  }
  const customers: Account[] = [];
  for (let i = 0; i < clients; i += 4) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(4, clients - i) }, (_, k) =>
        client.newAccount(`c${i + k}`, mail ? { email: mail.customerAddress(i + k) } : {}),
      ),
    );
    customers.push(...batch);
  }
  say(`${customers.length} customers and ${operatorAccounts.length} operators signed up and logged in`);
  return { operatorAccounts, customers };
}

/** A death of the API during the run aborts the load and fails the soak (its planned restart does not). */
function watchApi(api: ApiProcess, watch: ApiWatch, timeline: Timeline, load: CustomerLoad): void {
  void api.process.exited.then(({ code, signal }) => {
    if (cleanups.started || watch.stopping || watch.restarting) return;
    watch.died = `the API process exited (${signal ?? `code ${code}`}) during the run`;
    timeline.event(`FATAL: ${watch.died}`);
    load.abort();
  });
}

interface LoadContext extends Accounts {
  api: ApiProcess;
  servers: Servers;
  mail: MailPhase | undefined;
  stats: Stats;
  loadApi: Api;
  watch: ApiWatch;
}

/** The load for `seconds` plus the drain, with memory sampled and progress printed throughout. */
async function runLoad(ctx: LoadContext): Promise<LoadResult> {
  const { api, stats } = ctx;
  const load = new CustomerLoad(ctx.loadApi, ctx.customers, ctx.operatorAccounts.slice(0, operators), {
    seconds,
    drainMs: options.drainSeconds * 1000,
    newTicketShare: 0.25,
    readerPauseMs: 100,
  });
  cleanups.abortLoad = () => load.abort();
  const timeline = new Timeline(stats, say);
  watchApi(api, ctx.watch, timeline, load);

  const loadAverage = { start: loadavg()[0] ?? 0, end: 0 };
  const rssAtStart = api.rssKb();
  stats.t0 = performance.now();
  const loadEndsAt = stats.t0 + seconds * 1000;
  const sampler = sampleMemory(api, stats);
  // With workers the API is restarted too: webhooks and mailed answers must survive it like the rest.
  const restartable = ctx.mail
    ? {
        restart: async () => {
          ctx.watch.restarting = true;
          try {
            return await api.restart();
          } finally {
            ctx.watch.restarting = false;
            watchApi(api, ctx.watch, timeline, load);
          }
        },
      }
    : undefined;
  const faults = new Faults(options, ctx.servers, stats, load, ctx.mail, timeline.event, restartable);
  const stopProgress = reportProgress({ stats, load, api, phase: faults.phase, loadEndsAt }, say);

  const faultError = await loadUnderFaults(ctx, load, faults, timeline, loadEndsAt);
  const loadSeconds = Math.min(stats.seconds(), seconds);
  loadAverage.end = loadavg()[0] ?? 0;
  const rssAtEnd = api.rssKb();
  sampler.stop();
  stopProgress();
  return {
    load,
    timeline,
    faults: faults.times,
    faultError,
    memory: sampler.memory,
    rssAtStart,
    rssAtEnd,
    loadSeconds,
    loadAverage,
  };
}

/**
 * The customers' load, the server faults and, with workers, the worker kill and the operators' answers,
 * all at once. Resolves with the fault injection's error, if it failed (that aborts the load).
 */
async function loadUnderFaults(
  ctx: LoadContext,
  load: CustomerLoad,
  faults: Faults,
  timeline: Timeline,
  loadEndsAt: number,
): Promise<unknown> {
  const { mail } = ctx;
  const wait = waitUnlessAborted(load);
  const workerFaults = mail ? mail.killAndReplace(seconds, ctx.stats, timeline.event, wait) : Promise.resolve();
  const answering = mail
    ? mail.answer(ctx.loadApi, ctx.operatorAccounts, load, loadEndsAt, options.drainSeconds * 1000)
    : [];
  let faultError: unknown;
  await Promise.all([
    load.run(),
    faults.run().catch((error: unknown) => {
      faultError = error;
      timeline.event(`FATAL: fault injection failed: ${error instanceof Error ? error.message : String(error)}`);
      load.abort();
    }),
    workerFaults,
    ...answering,
  ]);
  return faultError;
}

/** After the run: what /api/health/ready answers, asked up to 50 times 200 ms apart until it says 200. */
async function readyAfterLoad(api: ApiProcess): Promise<string> {
  let readyAfter = 'no answer';
  if (api.process.running) {
    for (let i = 0; i < 50; i++) {
      const response = await fetch(`${api.baseUrl}/api/health/ready`, { signal: AbortSignal.timeout(2000) }).catch(
        () => undefined,
      );
      readyAfter = response ? String(response.status) : 'no answer';
      if (response?.status === 200) break;
      await sleep(200);
    }
  }
  return readyAfter;
}

/** The checks: the database holds what was acknowledged, and what the clients and the API saw. */
async function summariseRun(
  ctx: LoadContext,
  run: LoadResult,
  mail: MailPhase | undefined,
  readyAfter: string,
): Promise<Report> {
  return summarise({
    options,
    stats: ctx.stats,
    load: run.load,
    extraWrites: mail?.answers,
    databaseUrl: ctx.servers.postgres.url,
    loadSeconds: run.loadSeconds,
    memory: run.memory,
    rssAtStart: run.rssAtStart,
    rssAtEnd: run.rssAtEnd,
    faults: run.faults,
    pgWindows: ctx.stats.windows.filter((w) => w.name.startsWith('PostgreSQL down')),
    api: ctx.api,
    apiDied: ctx.watch.died ?? (run.faultError ? 'fault injection failed' : undefined),
    readyAfter,
    loadAverage: run.loadAverage,
  });
}

/**
 * A clean stop is part of holding up: SIGTERM must end the API within close-with-grace's 10 s delay
 * (src/server.ts), its pool and queues closed, exit code 0.
 */
async function checkCleanStop(api: ApiProcess, watch: ApiWatch, report: Report): Promise<void> {
  if (!api.process.running) return;
  watch.stopping = true;
  const stopAt = performance.now();
  // To the server process itself, once, as a supervisor would (tsx's wrapper passes on its exit code).
  if (api.pid !== undefined) process.kill(api.pid, 'SIGTERM');
  const exit = await Promise.race([api.process.exited, sleep(15_000).then(() => undefined)]);
  const took = (performance.now() - stopAt) / 1000;
  if (!exit) await api.process.kill();
  const how = exit ? (exit.signal ?? `exit code ${exit.code}`) : 'still running, SIGKILLed';
  say(`API stopped with SIGTERM: ${how} after ${took.toFixed(1)} s`);
  report.check(
    'API stop on SIGTERM',
    `${how} after ${took.toFixed(1)} s`,
    'exit code 0 within 10 s',
    exit?.code === 0 && took < 10,
  );
  report.metrics.apiStopSeconds = Number(took.toFixed(1));
}

/** The first problems the clients saw and the API's first error lines, after the report. */
function printProblems(stats: Stats, api: ApiProcess): void {
  if (stats.problems.length > 0) {
    console.log('\nFirst problems seen by the clients:');
    for (const line of stats.problems.slice(0, 20)) console.log(`  ${line}`);
  }
  if (api.scan.errorLines.length > 0) {
    console.log(
      `\nAPI log: ${api.scan.errorCount} error lines, ${api.scan.otherCount} lines that are not JSON; the first:`,
    );
    for (const line of api.scan.errorLines.slice(0, 10)) console.log(`  ${line.slice(0, 2000)}`);
  }
}

function writeJsonSummary(
  file: string,
  report: Report,
  run: { stats: Stats; api: ApiProcess; events: Timeline['events']; mailSummary: MailSummary | undefined },
): void {
  const summary = {
    runId,
    options,
    passed: report.passed,
    metrics: report.metrics,
    rows: report.rows,
    checks: report.checks,
    events: run.events,
    problems: run.stats.problems,
    apiErrorLines: run.api.scan.errorLines,
    ...(run.mailSummary ? { mail: run.mailSummary } : {}),
  };
  writeFileSync(file, `${JSON.stringify(summary, null, 2)}\n`);
  say(`summary written to ${file}`);
}

/** The report, the problems, the JSON summary (--json) and the verdict: exit code 0 or 1. */
function finish(
  report: Report,
  run: { stats: Stats; api: ApiProcess; events: Timeline['events']; mailSummary: MailSummary | undefined },
): number {
  const elapsed = (performance.now() - scriptStart) / 1000;
  report.info(
    'soak time so far (start-up, load, drain, checks)',
    `${elapsed.toFixed(1)} s${options.short ? ' (--short aims at < 60 s with the stop)' : ''}`,
  );
  report.metrics.soakSeconds = Number(elapsed.toFixed(1));
  report.print(`Soak ${runId}: ${clients} customers, ${seconds} s, PostgreSQL and Redis restarted`);
  printProblems(run.stats, run.api);
  if (options.json) writeJsonSummary(options.json, report, run);
  if (!report.passed) {
    folder.keepLogs = true;
    const failed = report.checks.filter((c) => !c.ok).map((c) => c.name);
    console.log(`\nSOAK FAILED: ${failed.join('; ')}`);
  } else {
    console.log('\nSOAK PASSED');
  }
  return report.passed ? 0 : 1;
}

async function main(): Promise<number> {
  say(
    `soak ${runId}: ${clients} customers + ${operators} operators for ${seconds} s` +
      `${options.withWorker ? ', with workers' : ''}; folder ${folder.tmp}`,
  );
  const servers = await startServers();
  const mail = options.withWorker ? await MailPhase.prepare(projectRoot, runId, say) : undefined;
  // Webhooks are sent by workers: with them, every new ticket is also a webhook delivery through the faults.
  const hooks = options.withWorker ? await WebhookPhase.start() : undefined;
  if (hooks) cleanups.add('webhook receiver', () => hooks.close());
  const { api, env, admin } = await startApi(servers, mail, hooks);

  const policy = { requestTimeoutMs: options.requestTimeoutSeconds * 1000, retryAfterCapMs: 5_000, maxAttempts: 150 };
  // Set-up calls are tallied apart: the figures are the load's.
  const client = new Api(api.baseUrl, new Stats(), policy);
  const stats = new Stats();
  const loadApi = new Api(api.baseUrl, stats, policy);
  const accounts = await signUp(client, admin, mail);
  if (hooks) await hooks.register(client, await client.login(admin.email, admin.password));
  if (mail) {
    await mail.startWorkers(env, folder.logDir, cleanups);
    await mail.verifyAddresses(client, accounts.customers);
    say(`${accounts.customers.length} customers verified their addresses from the mail a worker sent`);
  }

  const ctx: LoadContext = {
    api,
    servers,
    mail,
    stats,
    loadApi,
    ...accounts,
    watch: { died: undefined, stopping: false, restarting: false },
  };
  const run = await runLoad(ctx);
  if (cleanups.interrupted) return 130;
  say(`load over: ${stats.total} requests; checking the database…`);

  const report = await summariseRun(ctx, run, mail, await readyAfterLoad(api));
  const mailSummary = mail ? await mail.verify(accounts.customers, servers.postgres.url, report, say) : undefined;
  await hooks?.verify(servers.postgres.url, report, say, mail?.killedAtMs);
  if (mail) {
    // BullMQ keeps job schedulers (the outbox sweeper, every 5 s) in this sorted set.
    const schedulers = await redisQuery(servers.redis.port, `ZCARD ${env.REDIS_PREFIX}:service-desk:repeat`);
    report.info('mail: BullMQ job schedulers in Redis at the end', schedulers.replace(/^:/, ''));
  }
  await checkCleanStop(api, ctx.watch, report);
  return finish(report, { stats, api, events: run.timeline.events, mailSummary });
}

let exitCode = 1;
try {
  exitCode = await main();
} catch (error) {
  folder.keepLogs = true;
  console.error(`${stamp()} soak aborted: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  exitCode = 1;
} finally {
  if (!cleanups.interrupted) {
    await cleanups.run();
    say(`everything stopped (${((performance.now() - scriptStart) / 1000).toFixed(1)} s in all)`);
  }
}
if (!cleanups.interrupted) process.exit(exitCode);
