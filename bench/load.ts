import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import pg from 'pg';
import { median, percentile, round } from './stats.js';
import type { Fixture, Side, Workload } from './workloads.js';

export interface Measurement {
  /** Successful (2xx) responses per second. */
  rps: number;
  p50: number;
  /**
   * From the harness's own record of every response's time (autocannon reports p90 and p97.5, not p95), to
   * 0.1 ms; p50 and p99 are autocannon's, whole milliseconds.
   */
  p95: number;
  p99: number;
  /** Non-2xx answers, connection errors and timeouts. */
  errors: number;
  /**
   * CPU time of the server process per successful request: unlike req/s, it barely moves when other
   * processes (the soak, autovacuum) take the cores, so it is the figure to compare between runs.
   */
  cpuMsPerRequest: number;
  /**
   * CPU time of the server's PostgreSQL backends per successful request (0 when not measured, as on
   * PGlite): what a statement costs the database (an extra CTE, an index to maintain) is not in the process's
   * own figure.
   */
  dbCpuMsPerRequest: number;
}

export interface Summary extends Measurement {
  rounds: Measurement[];
}

export interface Timing {
  warmupSeconds: number;
  roundSeconds: number;
  rounds: number;
  connections: number;
}

export interface Target {
  side: Side;
  baseUrl: string;
  pid: number;
  /** The server's connections, by the application_name it connects with (see http-phase.ts). */
  database?: { url: string; applicationName: string };
}

/** User + system CPU time of a process so far, in milliseconds (/proc/PID/stat, in clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0;
  }
}

/** CPU time so far of each PostgreSQL backend serving `database` (same machine: /proc). */
async function backendCpuMs(database: Target['database']): Promise<Map<number, number>> {
  if (!database) return new Map();
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number }>(
      'SELECT pid FROM pg_stat_activity WHERE application_name = $1',
      [database.applicationName],
    );
    return new Map(rows.map((row) => [row.pid, cpuMs(row.pid)]));
  } finally {
    await client.end();
  }
}

/**
 * Cancels the statements a side still runs after its round: requests autocannon stopped waiting for, whose
 * answers no one counts. Left running (the reference's search of a common word takes seconds of database
 * CPU), they would load the other side's round on the same cores.
 */
async function cancelLeftovers(database: Target['database']): Promise<void> {
  if (!database) return;
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    await client.query(
      `SELECT pg_cancel_backend(pid) FROM pg_stat_activity
       WHERE application_name = $1 AND state = 'active' AND pid <> pg_backend_pid()`,
      [database.applicationName],
    );
  } finally {
    await client.end();
  }
}

/** CPU the backends used between two readings; a backend that connected in between counts from zero. */
function backendCpuDelta(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, ms] of after) total += ms - (before.get(pid) ?? 0);
  return total;
}

async function measure(
  target: Target,
  workload: Workload,
  fixture: Fixture,
  seconds: number,
  connections: number,
): Promise<Measurement> {
  const dbBefore = await backendCpuMs(target.database);
  const cpuBefore = cpuMs(target.pid);
  const times: number[] = [];
  // Without a callback autocannon answers a promise that is also its event emitter (lib/init.js).
  const run = autocannon({
    url: target.baseUrl,
    connections,
    duration: seconds,
    // A new random ticket id (and fresh body) for every request.
    requests: [{ setupRequest: (request) => ({ ...request, ...workload.call(target.side, fixture) }) }],
  }) as Promise<autocannon.Result> & Pick<autocannon.Instance, 'on'>;
  run.on('response', (_client: unknown, _status: number, _bytes: number, ms: number) => times.push(ms));
  const result = await run;
  const cpuAfter = cpuMs(target.pid);
  const dbAfter = await backendCpuMs(target.database);
  await cancelLeftovers(target.database);
  const ok = Math.max(1, result['2xx']);
  return {
    rps: round(result['2xx'] / result.duration),
    p50: result.latency.p50,
    p95: round(percentile(times, 95)),
    p99: result.latency.p99,
    errors: result.non2xx + result.errors + result.timeouts,
    cpuMsPerRequest: round((cpuAfter - cpuBefore) / ok, 3),
    dbCpuMsPerRequest: round(backendCpuDelta(dbBefore, dbAfter) / ok, 3),
  };
}

/** One request outside the load, checked: a harness that measures 401s or 404s must fail, not report. */
export async function probe(target: Target, workload: Workload, fixture: Fixture): Promise<void> {
  const call = workload.call(target.side, fixture);
  const response = await fetch(`${target.baseUrl}${call.path}`, {
    method: call.method,
    headers: call.headers,
    body: call.body,
  }).catch((error: unknown) => {
    throw new Error(`${target.side} ${call.method} ${call.path}: ${String(error)}`, { cause: error });
  });
  const text = await response.text();
  if (!response.ok) {
    throw new Error(`${target.side} ${call.method} ${call.path} answered ${response.status}: ${text.slice(0, 300)}`);
  }
}

function summarise(rounds: Measurement[]): Summary {
  return {
    rps: round(median(rounds.map((m) => m.rps))),
    p50: round(median(rounds.map((m) => m.p50))),
    p95: round(median(rounds.map((m) => m.p95))),
    p99: round(median(rounds.map((m) => m.p99))),
    errors: rounds.reduce((sum, m) => sum + m.errors, 0),
    cpuMsPerRequest: round(median(rounds.map((m) => m.cpuMsPerRequest)), 3),
    dbCpuMsPerRequest: round(median(rounds.map((m) => m.dbCpuMsPerRequest)), 3),
    rounds,
  };
}

/**
 * Warm-up of each target, then rounds in alternation (A B A B …), so a drift of the machine (the soak next
 * door, autovacuum) falls on both sides alike. Each side's figures are medians of its rounds.
 */
export async function compare(
  targets: Target[],
  workload: Workload,
  fixture: Fixture,
  timing: Timing,
): Promise<Map<Side, Summary>> {
  for (const target of targets) await probe(target, workload, fixture);
  if (timing.warmupSeconds > 0) {
    for (const target of targets) await measure(target, workload, fixture, timing.warmupSeconds, timing.connections);
  }
  const rounds = new Map<Side, Measurement[]>(targets.map((t) => [t.side, []]));
  for (let r = 0; r < timing.rounds; r++) {
    for (const target of targets) {
      rounds.get(target.side)?.push(await measure(target, workload, fixture, timing.roundSeconds, timing.connections));
    }
  }
  return new Map([...rounds].map(([side, measured]) => [side, summarise(measured)]));
}
