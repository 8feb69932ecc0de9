import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import type { ConsoleResult } from './console-phase.js';
import { type Dataset, type SeededIds, seedPglite, seedPostgres } from './datasets.js';
import { compare, type Summary, type Target, type Timing } from './load.js';
import { ServerProcess } from './processes.js';
import { checkSameAnswers } from './same-answers.js';
import { BENCH_PASSWORD, benchCustomer, benchOperator } from './seed.js';
import { round } from './stats.js';
import { type Fixture, workloads } from './workloads.js';

export interface EndpointResult {
  dataset: string;
  database: 'postgres' | 'pglite';
  endpoint: string;
  list: boolean;
  ours: Summary;
  reference?: Summary;
  /** ours / reference requests per second. */
  ratio?: number;
}

export interface DatasetResult {
  rows: EndpointResult[];
  /** High-water mark of the API process's resident memory. */
  peakRssMb: number;
  seedSeconds: number;
  /** The web console's budgets on this dataset, when asked for. */
  console?: ConsoleResult;
}

export interface RunOptions {
  timing: Timing;
  /** Folder for the API's V8 CPU profile (`--cpu-prof`), or undefined for none. */
  cpuProfileDir?: string;
  log: (line: string) => void;
  /** Only the workloads whose name contains one of these (`--only=`); all when empty. */
  only?: string[];
  /** Use the database an earlier run seeded when it is unchanged (`--reuse-seed`). */
  reuseSeed?: boolean;
  /** Measures the web console against the running API after the workloads (bench/console-phase.ts). */
  console?: (baseUrl: string, dataset: string, ids: SeededIds) => Promise<ConsoleResult>;
}

/**
 * Production-like settings, with RATE_LIMITS=off: the harness logs in at every start and sends from one
 * address what a crowd of clients would, which is what the limits exist to refuse.
 */
function apiEnv(extra: Record<string, string>): Record<string, string> {
  return {
    ENVIRONMENT: 'production',
    SECRET_KEY: randomBytes(32).toString('hex'),
    LOG_LEVEL: 'warn',
    RATE_LIMITS: 'off',
    ...extra,
  };
}

export async function startApi(env: Record<string, string>, cpuProfileDir?: string): Promise<ServerProcess> {
  const flags = cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfileDir}`] : [];
  return ServerProcess.start('api', 'src/server.ts', apiEnv(env), flags);
}

async function login(baseUrl: string, account: string): Promise<string> {
  const response = await fetch(`${baseUrl}/api/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username: account, password: BENCH_PASSWORD }).toString(),
  });
  const body = (await response.json()) as { access_token?: string };
  if (!response.ok || !body.access_token) throw new Error(`login as ${account} answered ${response.status}`);
  return body.access_token;
}

async function fixtureFor(api: ServerProcess, ids: SeededIds): Promise<Fixture> {
  return {
    ...ids,
    operatorToken: await login(api.baseUrl, benchOperator),
    customerToken: await login(api.baseUrl, benchCustomer),
  };
}

async function runWorkloads(
  label: string,
  database: EndpointResult['database'],
  targets: Target[],
  fixture: Fixture,
  options: RunOptions,
): Promise<EndpointResult[]> {
  const rows: EndpointResult[] = [];
  // Reads first: the writes grow the tables the reads measure.
  const chosen = workloads.filter(
    (workload) => !options.only?.length || options.only.some((part) => workload.name.includes(part)),
  );
  for (const workload of chosen) {
    await checkSameAnswers(targets, workload, fixture);
    const summaries = await compare(targets, workload, fixture, options.timing);
    const ours = summaries.get('ours');
    if (!ours) throw new Error(`${workload.name}: no measurement of our API`);
    const reference = summaries.get('reference');
    const ratio = reference && reference.rps > 0 ? round(ours.rps / reference.rps, 2) : undefined;
    rows.push({ dataset: label, database, endpoint: workload.name, list: workload.list, ours, reference, ratio });
    options.log(
      `  ${label} ${database} · ${workload.name}: ours ${ours.rps} req/s p95 ${ours.p95} p99 ${ours.p99} ms ${ours.cpuMsPerRequest} CPU ms/req (DB ${ours.dbCpuMsPerRequest})` +
        (reference
          ? ` · reference ${reference.rps} req/s p95 ${reference.p95} p99 ${reference.p99} ms ${reference.cpuMsPerRequest} CPU ms/req (DB ${reference.dbCpuMsPerRequest}) · ratio ${ratio}`
          : ''),
    );
  }
  return rows;
}

/** The same database under another application_name: the harness finds each server's backends by it. */
function named(url: string, applicationName: string): string {
  const withName = new URL(url);
  withName.searchParams.set('application_name', applicationName);
  return withName.toString();
}

/** Seeds its own PostgreSQL database, then measures the API against the reference on it. */
export async function runPostgresDataset(admin: string, dataset: Dataset, options: RunOptions): Promise<DatasetResult> {
  const started = Date.now();
  const name = `sd_bench_${dataset.label.toLowerCase()}`;
  options.log(`seeding ${name}: ${dataset.size.tickets} tickets …`);
  const { url, ids, reused } = await seedPostgres(admin, name, dataset.size, options.reuseSeed);
  const seedSeconds = round((Date.now() - started) / 1000);
  options.log(reused ? `  reused the unchanged ${name}` : `  seeded in ${seedSeconds} s`);
  const apiDatabase = { url, applicationName: 'sd_bench_api' };
  const referenceDatabase = { url, applicationName: 'sd_bench_reference' };
  const api = await startApi({ DATABASE_URL: named(url, apiDatabase.applicationName) }, options.cpuProfileDir);
  const reference = await ServerProcess.start('reference', 'bench/reference-server.ts', {
    DATABASE_URL: named(url, referenceDatabase.applicationName),
  });
  try {
    const fixture = await fixtureFor(api, ids);
    const targets: Target[] = [
      { side: 'ours', baseUrl: api.baseUrl, pid: api.pid, database: apiDatabase },
      { side: 'reference', baseUrl: reference.baseUrl, pid: reference.pid, database: referenceDatabase },
    ];
    const rows = await runWorkloads(dataset.label, 'postgres', targets, fixture, options);
    const measured = options.console ? await options.console(api.baseUrl, dataset.label, ids) : undefined;
    return { rows, peakRssMb: api.peakRssMb(), seedSeconds, ...(measured ? { console: measured } : {}) };
  } finally {
    await reference.stop();
    await api.stop();
  }
}

/** The embedded default: the API alone on a seeded PGlite folder (no reference can share that database). */
export async function runPgliteDataset(dataset: Dataset, options: RunOptions): Promise<DatasetResult> {
  const started = Date.now();
  options.log(`seeding PGlite: ${dataset.size.tickets} tickets …`);
  const { dataDir, ids } = await seedPglite(dataset.size);
  const seedSeconds = round((Date.now() - started) / 1000);
  options.log(`  seeded in ${seedSeconds} s`);
  const api = await startApi({ DATA_DIR: dataDir });
  try {
    const fixture = await fixtureFor(api, ids);
    const rows = await runWorkloads(
      dataset.label,
      'pglite',
      [{ side: 'ours', baseUrl: api.baseUrl, pid: api.pid }],
      fixture,
      options,
    );
    return { rows, peakRssMb: api.peakRssMb(), seedSeconds };
  } finally {
    await api.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
