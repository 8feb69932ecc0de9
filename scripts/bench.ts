/**
 * npm run bench [-- --quick] [--cpu-prof] [--skip-http] [--skip-pglite] [--skip-mail] [--skip-live] [--skip-console]
 *   [--rounds=N] [--round-seconds=S]
 *   [--datasets=1M,…] [--only=tag,search,…] [--reuse-seed]
 *
 * Seeds its own databases (BENCH_DATABASE_URL, else DATABASE_URL, else the local PostgreSQL), loads the API
 * and the raw-SQL reference in alternation, then the API on embedded PGlite, then mail ingest. Prints a
 * Markdown table and writes bench/results/<mode>-latest.{json,md,svg} (a full run also docs/benchmarks.svg).
 * Exits non-zero only when the harness itself breaks (a server that does not start, a probe that fails):
 * slow figures never fail it.
 */

import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import path from 'node:path';
import { barChart } from '../bench/chart.js';
import { type ConsoleResult, runConsolePhase } from '../bench/console-phase.js';
import type { SeededIds } from '../bench/datasets.js';
import { type DatasetResult, type EndpointResult, runPgliteDataset, runPostgresDataset } from '../bench/http-phase.js';
import { runMailPhase } from '../bench/mail-phase.js';
import { full, quick } from '../bench/modes.js';
import { adminUrl, withClient } from '../bench/postgres.js';
import { root } from '../bench/processes.js';
import { type BenchReport, checkTargets, markdown } from '../bench/report.js';
import { runSsePhase } from '../bench/sse-phase.js';
import { ensureWebBuilt } from '../test/helpers/web-build.js';

const args = new Set(process.argv.slice(2));
/** `--rounds=N` / `--round-seconds=S`: a quick run long enough to compare two versions of the code. */
function timingOverride(name: string): number | undefined {
  const arg = process.argv.find((value) => value.startsWith(`--${name}=`));
  const value = arg ? Number(arg.slice(name.length + 3)) : Number.NaN;
  return Number.isInteger(value) && value > 0 ? value : undefined;
}
const chosen = args.has('--quick') ? quick : full;
const rounds = timingOverride('rounds');
const roundSeconds = timingOverride('round-seconds');
const mode = {
  ...chosen,
  timing: {
    ...chosen.timing,
    ...(rounds ? { rounds } : {}),
    ...(roundSeconds ? { roundSeconds, warmupSeconds: Math.max(chosen.timing.warmupSeconds, 1) } : {}),
  },
};
/** `--name=a,b`: a list, or undefined when not given. */
function listOption(name: string): string[] | undefined {
  const arg = process.argv.find((value) => value.startsWith(`--${name}=`));
  return arg
    ? arg
        .slice(name.length + 3)
        .split(',')
        .filter(Boolean)
    : undefined;
}
const datasetLabels = listOption('datasets');
const only = listOption('only');
const began = performance.now();
const log = (line: string) => console.error(`[bench ${((performance.now() - began) / 1000).toFixed(0)} s] ${line}`);
const load = () => loadavg().map((value) => Number(value.toFixed(2)));

async function main() {
  const admin = adminUrl(process.env);
  const startedAt = new Date().toISOString();
  const loadavgStart = load();
  const postgresVersion = await withClient(admin, async (client) => {
    const { rows } = await client.query<{ server_version: string }>('SHOW server_version');
    return rows[0]?.server_version ?? 'unknown';
  });
  log(`${mode.name} run, load average ${loadavgStart.join(' ')}`);
  const resultsDir = path.join(root, 'bench/results');
  const cpuProfileDir = args.has('--cpu-prof') ? path.join(resultsDir, 'cpu-profiles') : undefined;
  const datasets: BenchReport['datasets'] = [];
  const http: EndpointResult[] = [];
  const pglite: EndpointResult[] = [];
  let peakRssMb = 0;
  let pglitePeakRssMb = 0;
  const consoles: ConsoleResult[] = [];
  // The console's budgets run on each PostgreSQL dataset after its workloads, unless left out by name.
  const measureConsole =
    !args.has('--skip-console') && (!only || only.includes('console'))
      ? (baseUrl: string, label: string, ids: SeededIds) =>
          runConsolePhase(baseUrl, label, { ...mode.console, untouchable: ids.historyTicketIds, log })
      : undefined;
  // Built before any API starts: the server serves the console only when web/dist is there at start-up.
  if (measureConsole) ensureWebBuilt();

  const postgresDatasets = mode.postgres.filter((dataset) => !datasetLabels || datasetLabels.includes(dataset.label));
  for (const dataset of args.has('--skip-http') ? [] : postgresDatasets) {
    const result: DatasetResult = await runPostgresDataset(admin, dataset, {
      timing: mode.timing,
      cpuProfileDir,
      log,
      only,
      reuseSeed: args.has('--reuse-seed'),
      ...(measureConsole ? { console: measureConsole } : {}),
    });
    http.push(...result.rows);
    if (result.console) consoles.push(result.console);
    peakRssMb = Math.max(peakRssMb, result.peakRssMb);
    datasets.push({ label: dataset.label, database: 'postgres', size: dataset.size, seedSeconds: result.seedSeconds });
  }
  if (!args.has('--skip-pglite') && !args.has('--skip-http')) {
    for (const dataset of mode.pglite) {
      const result = await runPgliteDataset(dataset, { timing: mode.pgliteTiming, log });
      pglite.push(...result.rows);
      pglitePeakRssMb = Math.max(pglitePeakRssMb, result.peakRssMb);
      datasets.push({ label: dataset.label, database: 'pglite', size: dataset.size, seedSeconds: result.seedSeconds });
    }
  }
  const live = args.has('--skip-live')
    ? undefined
    : await runSsePhase(
        admin,
        { label: 'live', size: { tickets: 1_000, customers: 300, operators: 20, messagesPerTicket: 5 } },
        { ...mode.live, log },
      );
  const mail = args.has('--skip-mail')
    ? undefined
    : await runMailPhase(admin, mode.mailMessages, mode.latencySamples, log, cpuProfileDir);

  const cpuList = cpus();
  const report: BenchReport = {
    mode: mode.name,
    startedAt,
    finishedAt: new Date().toISOString(),
    machine: {
      cpus: cpuList.length,
      cpuModel: cpuList[0]?.model.trim() ?? 'unknown',
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      node: process.version,
      postgres: postgresVersion,
      loadavgStart,
      loadavgEnd: load(),
    },
    timing: mode.timing,
    datasets,
    http,
    pglite,
    peakRssMb,
    pglitePeakRssMb,
    mail,
    live,
    console: consoles,
    targets: checkTargets(http, mail, live, consoles),
  };
  const table = markdown(report);
  const chart = barChart(
    http,
    `Service Desk vs raw-SQL reference, requests/s (${mode.name} run, ${startedAt.slice(0, 10)})`,
  );
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(path.join(resultsDir, `${mode.name}-latest.json`), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(path.join(resultsDir, `${mode.name}-latest.md`), table);
  writeFileSync(path.join(resultsDir, `${mode.name}-latest.svg`), chart);
  // The documented chart is a whole full run's, never a selection's.
  if (mode.name === 'full' && !only && !datasetLabels) writeFileSync(path.join(root, 'docs/benchmarks.svg'), chart);
  console.log(table);
  log(`results in bench/results/${mode.name}-latest.{json,md,svg}`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
