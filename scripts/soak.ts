import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ApiProcess } from './soak/api-process.js';
import { Stats } from './soak/http.js';
import { type Account, Api, CustomerLoad } from './soak/load.js';
import { MailPhase } from './soak/mail-phase.js';
import { freePort, sleep } from './soak/proc.js';
import { mb } from './soak/report.js';
import { redisQuery, SoakPostgres, SoakRedis } from './soak/services.js';
import { summarise } from './soak/summary.js';

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
 * through the project's test mail stack, one is SIGKILLed mid-run, and every customer's inbox is counted.
 * Everything started is stopped at the end, also on failure and Ctrl-C. `npm run soak -- --help`.
 */

const USAGE = `usage: npm run soak -- [options]
  --seconds N       load duration (default 60; --short: 20, or 40 with --with-worker)
  --clients N       concurrent customers (default 50; --short: 10)
  --operators N     operators reading the open-ticket list (default clients/20, at least 1)
  --short           CI version: 20 s, 10 clients, same faults, under 60 s in all
  --drain N         seconds the writes in flight at the end may still retry (default 30; --short: 8)
  --pg-down N       seconds PostgreSQL stays down (default 2)
  --pg-restarts N   PostgreSQL restarts, the first at 1/3, the others before 2/3 (default 1)
  --redis-down N    seconds Redis stays down (default 2)
  --timeout N       per-request timeout in seconds; no answer within it is a hang (default 10)
  --json FILE       write the summary as JSON
  --with-worker     also the email phase: two workers, operators' answers mailed, one worker SIGKILLed
  --keep            keep the temporary folder (databases, logs) after the run
  --project DIR     the checkout whose API and worker to run (default: this one)
  --help
environment: SOAK_PG_BIN (PostgreSQL's bin folder; default the newest /usr/lib/postgresql/N/bin),
  SOAK_LOG_LEVEL (the API's LOG_LEVEL; default warn)`;

const { values } = parseArgs({
  options: {
    seconds: { type: 'string' },
    clients: { type: 'string' },
    operators: { type: 'string' },
    short: { type: 'boolean', default: false },
    drain: { type: 'string' },
    'pg-down': { type: 'string' },
    'pg-restarts': { type: 'string' },
    'redis-down': { type: 'string' },
    timeout: { type: 'string' },
    json: { type: 'string' },
    'with-worker': { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    project: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}

function numberFlag(name: string, raw: string | undefined, fallback: number, min: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min) {
    console.error(`--${name} must be a number ≥ ${min}\n${USAGE}`);
    process.exit(2);
  }
  return value;
}

const short = values.short;
// With workers, the Redis restart waits for the killed worker's replacement to boot: a short run needs longer.
const seconds = numberFlag('seconds', values.seconds, short ? (values['with-worker'] ? 40 : 20) : 60, 6);
const clients = Math.round(numberFlag('clients', values.clients, short ? 10 : 50, 1));
const operators = Math.round(numberFlag('operators', values.operators, Math.max(1, Math.round(clients / 20)), 0));
const options = {
  seconds,
  clients,
  operators,
  short,
  drainSeconds: numberFlag('drain', values.drain, short ? 8 : 30, 0),
  pgDownSeconds: numberFlag('pg-down', values['pg-down'], 2, 0),
  pgRestarts: Math.round(numberFlag('pg-restarts', values['pg-restarts'], 1, 1)),
  redisDownSeconds: numberFlag('redis-down', values['redis-down'], 2, 0),
  requestTimeoutSeconds: numberFlag('timeout', values.timeout, 10, 1),
  withWorker: values['with-worker'],
  json: values.json,
  keep: values.keep,
};

const projectRoot = path.resolve(values.project ?? path.join(import.meta.dirname, '..'));
const scriptStart = performance.now();
const stamp = () => `[${((performance.now() - scriptStart) / 1000).toFixed(1).padStart(5)}s]`;
const say = (text: string) => console.log(`${stamp()} ${text}`);

// ---------------------------------------------------------------------------------------------------------
// Clean-up: everything started is registered here and stopped in reverse order, on success, failure,
// Ctrl-C or an unexpected exception.

const cleanups: { name: string; run: () => Promise<void> }[] = [];
let cleaning: Promise<void> | undefined;
let abortLoad: (() => void) | undefined;

function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    for (const { name, run } of cleanups.splice(0).reverse()) {
      try {
        await run();
      } catch (error) {
        console.error(`clean-up of ${name} failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  })();
  return cleaning;
}

let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    if (interrupted) return;
    interrupted = true;
    console.error(`\n${stamp()} ${signal}: stopping everything the soak started…`);
    abortLoad?.();
    void cleanup().finally(() => process.exit(130));
  });
}
process.on('uncaughtException', (error) => {
  console.error(`${stamp()} unexpected error in the soak itself:`, error);
  void cleanup().finally(() => process.exit(1));
});

// ---------------------------------------------------------------------------------------------------------

const runId = randomBytes(3).toString('hex');
const tmp = mkdtempSync('/tmp/sd-soak-');
chmodSync(tmp, 0o755); // the postgres user must reach its data folder inside
const logDir = path.join(tmp, 'logs');
mkdirSync(logDir, { mode: 0o777 });
chmodSync(logDir, 0o777); // written by root (API, Redis) and by postgres (server log)
let keepLogs = options.keep;
cleanups.push({
  name: 'temporary folder',
  run: async () => {
    if (options.keep) return;
    if (keepLogs) {
      for (const sub of ['pgdata', 'pgsocket', 'redis', 'data'])
        rmSync(path.join(tmp, sub), { recursive: true, force: true });
      console.log(`logs kept in ${logDir}`);
    } else {
      rmSync(tmp, { recursive: true, force: true });
    }
  },
});

async function main(): Promise<number> {
  say(
    `soak ${runId}: ${clients} customers + ${operators} operators for ${seconds} s` +
      `${options.withWorker ? ', with workers' : ''}; folder ${tmp}`,
  );

  // Own PostgreSQL and Redis on their own ports.
  const pgPort = await freePort(55432);
  const redisPort = await freePort(56379);
  const apiPort = await freePort();
  const postgres = new SoakPostgres(tmp, pgPort, logDir);
  const redis = new SoakRedis(tmp, redisPort, logDir);
  cleanups.push({ name: 'PostgreSQL', run: () => postgres.destroy() });
  cleanups.push({ name: 'Redis', run: () => redis.destroy() });
  await Promise.all([
    (async () => {
      await postgres.init();
      await postgres.start();
      await postgres.createDatabase();
    })(),
    redis.start(),
  ]);
  say(`PostgreSQL on 127.0.0.1:${pgPort}, Redis on 127.0.0.1:${redisPort}`);

  const mail = options.withWorker ? await MailPhase.prepare(projectRoot, runId, say) : undefined;

  const adminEmail = `soak-admin-${runId}@soak.example.test`;
  const adminPassword = `soak-admin-${randomBytes(8).toString('hex')}`;
  const env: Record<string, string> = {
    DATABASE_URL: postgres.url,
    REDIS_URL: redis.url,
    REDIS_PREFIX: `sd-soak-${runId}`,
    DATA_DIR: path.join(tmp, 'data'),
    SECRET_KEY: randomBytes(32).toString('hex'),
    ADMIN_EMAIL: adminEmail,
    ADMIN_PASSWORD: adminPassword,
    LOG_LEVEL: process.env.SOAK_LOG_LEVEL ?? 'warn',
    LOGIN_RATE_LIMIT_PER_MINUTE: '1000000',
    LOGIN_FAILURES_PER_ACCOUNT: '1000000',
    ACCESS_TOKEN_EXPIRE_MINUTES: String(Math.ceil(seconds / 60) + 60),
    ...(mail?.env ?? {}),
  };
  const api = ApiProcess.start(projectRoot, apiPort, env, path.join(logDir, 'api.log'));
  cleanups.push({
    name: 'API',
    run: async () => {
      const started = performance.now();
      await api.process.stop('SIGTERM', 8_000);
      say(`API stopped (SIGTERM, SIGKILL after 8 s) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    },
  });
  await api.waitReady();
  say(`API on ${api.baseUrl} (pid ${api.pid})`);

  const policy = { requestTimeoutMs: options.requestTimeoutSeconds * 1000, retryAfterCapMs: 5_000, maxAttempts: 150 };
  // Set-up calls are tallied apart: the figures are the load's.
  const client = new Api(api.baseUrl, new Stats(), policy);
  const stats = new Stats();
  const loadApi = new Api(api.baseUrl, stats, policy);

  // Accounts, before the clock starts.
  const adminToken = await client.login(adminEmail, adminPassword);
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

  if (mail) await mail.startWorkers(env, logDir, cleanups);

  // The load.
  const load = new CustomerLoad(loadApi, customers, operatorAccounts.slice(0, operators), {
    seconds,
    drainMs: options.drainSeconds * 1000,
    newTicketShare: 0.25,
    readerPauseMs: 100,
  });
  abortLoad = () => load.abort();
  const events: { t: number; text: string }[] = [];
  const event = (text: string) => {
    const t = stats.seconds();
    events.push({ t, text });
    say(`${text} (t=${t.toFixed(1)} s)`);
  };
  let apiDied: string | undefined;
  let stoppingApi = false;
  void api.process.exited.then(({ code, signal }) => {
    if (cleaning || stoppingApi) return;
    apiDied = `the API process exited (${signal ?? `code ${code}`}) during the run`;
    event(`FATAL: ${apiDied}`);
    load.abort();
  });

  const loadAverage = { start: loadavg()[0] ?? 0, end: 0 };
  const memory: { t: number; kb: number }[] = [];
  const rssAtStart = api.rssKb();
  stats.t0 = performance.now();
  const loadEndsAt = stats.t0 + seconds * 1000;
  const sampler = setInterval(() => {
    const kb = api.rssKb();
    if (kb !== undefined) memory.push({ t: stats.seconds(), kb });
  }, 1000);
  let lastProgress = { t: 0, total: 0 };
  const phase = { pgDown: false, redisDown: false };
  const progress = setInterval(() => {
    const t = stats.seconds();
    const rate = (stats.total - lastProgress.total) / Math.max(0.001, t - lastProgress.t);
    lastProgress = { t, total: stats.total };
    const flags = [phase.pgDown ? 'PostgreSQL DOWN' : '', phase.redisDown ? 'Redis DOWN' : '']
      .filter(Boolean)
      .join(', ');
    say(
      `${performance.now() < loadEndsAt ? 'load ' : 'drain'} t=${t.toFixed(0).padStart(3)}s ` +
        `req ${stats.total} (${rate.toFixed(0)}/s) 2xx ${stats.ok} 503 ${stats.s503} 409 ${stats.s409} ` +
        `net ${stats.network} hang ${stats.hangs} 5xx ${stats.s5xxOther} 4xx ${stats.s4xxOther} ` +
        `open writes ${load.inFlight} (last answer 409: ${load.heldBy409}) rss ${mb(api.rssKb())}${flags ? ` [${flags}]` : ''}`,
    );
  }, 5000);

  const faults = {
    pgStoppedAt: undefined as number | undefined,
    pgBackAt: undefined as number | undefined,
    redisStoppedAt: undefined as number | undefined,
    redisBackAt: undefined as number | undefined,
  };
  // Sleeps that end early when the load is aborted (the API died, Ctrl-C).
  const wait = async (ms: number) => {
    const until = performance.now() + ms;
    while (!load.aborted && performance.now() < until) await sleep(Math.min(250, until - performance.now()));
  };
  const runFaults = async () => {
    // The first restart at 1/3; with --pg-restarts N, the others spread up to 2/3.
    const spacingMs = Math.max(5_000, (seconds * 1000) / 3 / options.pgRestarts);
    for (let n = 1; n <= options.pgRestarts; n++) {
      await wait(stats.t0 + (seconds * 1000) / 3 + (n - 1) * spacingMs - performance.now());
      if (load.aborted) return;
      const label = options.pgRestarts > 1 ? `PostgreSQL (${n}/${options.pgRestarts})` : 'PostgreSQL';
      event(`${label}: pg_ctl stop -m fast`);
      await postgres.stop('fast');
      phase.pgDown = true;
      faults.pgStoppedAt ??= performance.now();
      const pgWindow = stats.openWindow(options.pgRestarts > 1 ? `PostgreSQL down (${n})` : 'PostgreSQL down');
      event(`${label} stopped; down for ${options.pgDownSeconds} s`);
      await sleep(options.pgDownSeconds * 1000);
      pgWindow.to = performance.now();
      await postgres.start();
      phase.pgDown = false;
      faults.pgBackAt = performance.now();
      event(`${label} started again`);
    }

    await wait(stats.t0 + (seconds * 2000) / 3 - performance.now());
    if (mail) {
      // A kill at half time starts a replacement, which takes a while to boot on a busy machine.
      await Promise.race([mail.replacementStarted(), sleep(60_000)]);
      await wait(1000);
    }
    if (load.aborted) return;
    event('Redis: SHUTDOWN NOSAVE');
    await redis.shutdown();
    phase.redisDown = true;
    faults.redisStoppedAt = performance.now();
    const redisWindow = stats.openWindow('Redis down');
    await sleep(options.redisDownSeconds * 1000);
    redisWindow.to = performance.now();
    await redis.start();
    phase.redisDown = false;
    faults.redisBackAt = performance.now();
    event('Redis started again (empty)');
  };
  const workerFaults = mail ? mail.killAndReplace(seconds, stats, event, wait) : Promise.resolve();
  const answering = mail ? mail.answer(loadApi, operatorAccounts, load, loadEndsAt, options.drainSeconds * 1000) : [];

  let faultError: unknown;
  await Promise.all([
    load.run(),
    runFaults().catch((error: unknown) => {
      faultError = error;
      event(`FATAL: fault injection failed: ${error instanceof Error ? error.message : String(error)}`);
      load.abort();
    }),
    workerFaults,
    ...answering,
  ]);
  const loadSeconds = Math.min(stats.seconds(), seconds);
  loadAverage.end = loadavg()[0] ?? 0;
  const rssAtEnd = api.rssKb();
  clearInterval(sampler);
  clearInterval(progress);
  if (interrupted) return 130;
  say(`load over: ${stats.total} requests; checking the database…`);

  // After the run: the API answers and is ready, the database holds what was acknowledged.
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

  const report = await summarise({
    options,
    stats,
    load,
    extraWrites: mail?.answers,
    databaseUrl: postgres.url,
    loadSeconds,
    memory,
    rssAtStart,
    rssAtEnd,
    faults,
    pgWindows: stats.windows.filter((w) => w.name.startsWith('PostgreSQL down')),
    api,
    apiDied: apiDied ?? (faultError ? 'fault injection failed' : undefined),
    readyAfter,
    loadAverage,
  });
  const mailSummary = mail ? await mail.verify(customers, postgres.url, report, say) : undefined;
  if (mail) {
    // BullMQ keeps job schedulers (the outbox sweeper, every 5 s) in this sorted set.
    const schedulers = await redisQuery(redisPort, `ZCARD ${env.REDIS_PREFIX}:service-desk:repeat`);
    report.info('mail: BullMQ job schedulers in Redis at the end', schedulers.replace(/^:/, ''));
  }

  // A clean stop is part of holding up: SIGTERM must end the API within close-with-grace's 10 s delay
  // (src/server.ts), its pool and queues closed, exit code 0.
  if (api.process.running) {
    stoppingApi = true;
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

  const elapsed = (performance.now() - scriptStart) / 1000;
  report.info(
    'soak time so far (start-up, load, drain, checks)',
    `${elapsed.toFixed(1)} s${options.short ? ' (--short aims at < 60 s with the stop)' : ''}`,
  );
  report.metrics.soakSeconds = Number(elapsed.toFixed(1));
  report.print(`Soak ${runId}: ${clients} customers, ${seconds} s, PostgreSQL and Redis restarted`);
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
  if (options.json) {
    writeFileSync(
      options.json,
      `${JSON.stringify(
        {
          runId,
          options,
          passed: report.passed,
          metrics: report.metrics,
          rows: report.rows,
          checks: report.checks,
          events,
          problems: stats.problems,
          apiErrorLines: api.scan.errorLines,
          ...(mailSummary ? { mail: mailSummary } : {}),
        },
        null,
        2,
      )}\n`,
    );
    say(`summary written to ${options.json}`);
  }
  if (!report.passed) {
    keepLogs = true;
    const failed = report.checks.filter((c) => !c.ok).map((c) => c.name);
    console.log(`\nSOAK FAILED: ${failed.join('; ')}`);
  } else {
    console.log('\nSOAK PASSED');
  }
  return report.passed ? 0 : 1;
}

let exitCode = 1;
try {
  exitCode = await main();
} catch (error) {
  keepLogs = true;
  console.error(`${stamp()} soak aborted: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  exitCode = 1;
} finally {
  if (!interrupted) {
    await cleanup();
    say(`everything stopped (${((performance.now() - scriptStart) / 1000).toFixed(1)} s in all)`);
  }
}
if (!interrupted) process.exit(exitCode);
