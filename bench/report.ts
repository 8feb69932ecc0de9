import type { ConsoleResult } from './console-phase.js';
import type { EndpointResult } from './http-phase.js';
import type { Timing } from './load.js';
import type { MailResult } from './mail-phase.js';
import type { SeedSize } from './seed.js';
import type { SseResult } from './sse-phase.js';
import { round } from './stats.js';

export interface Machine {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  postgres: string;
  loadavgStart: number[];
  loadavgEnd: number[];
}

export interface TargetCheck {
  target: string;
  value: string;
  met: boolean;
}

export interface BenchReport {
  mode: 'quick' | 'full';
  startedAt: string;
  finishedAt: string;
  machine: Machine;
  timing: Timing;
  datasets: { label: string; database: 'postgres' | 'pglite'; size: SeedSize; seedSeconds: number }[];
  http: EndpointResult[];
  pglite: EndpointResult[];
  /** Highest resident memory of the API process over the PostgreSQL runs. */
  peakRssMb: number;
  pglitePeakRssMb: number;
  mail: MailResult | undefined;
  live: SseResult | undefined;
  /** The web console's budgets, per PostgreSQL dataset. */
  console: ConsoleResult[];
  targets: TargetCheck[];
}

/** The targets, judged on this run's figures. */
export function checkTargets(
  http: EndpointResult[],
  mail: MailResult | undefined,
  live?: SseResult,
  consoles: ConsoleResult[] = [],
): TargetCheck[] {
  const checks: TargetCheck[] = http
    .filter((row) => row.ratio !== undefined)
    .map((row) => ({
      target: `${row.dataset} · ${row.endpoint}: ≥ 0.8× reference req/s`,
      value: `${row.ratio}×`,
      met: (row.ratio ?? 0) >= 0.8,
    }));
  // The search's latency target: p95 within 100 ms at every size.
  for (const row of http.filter((r) => r.endpoint.startsWith('search'))) {
    checks.push({
      target: `${row.dataset} · ${row.endpoint}: p95 ≤ 100 ms`,
      value: `p95 ${row.ours.p95} ms`,
      met: row.ours.p95 <= 100,
    });
  }
  const labels = [...new Set(http.map((row) => row.dataset))];
  const smallest = labels[0];
  const largest = labels[labels.length - 1];
  if (smallest && largest && smallest !== largest) {
    for (const big of http.filter((row) => row.list && row.dataset === largest)) {
      const small = http.find((row) => row.dataset === smallest && row.endpoint === big.endpoint);
      if (!small) continue;
      const growth = round(big.ours.p99 / Math.max(small.ours.p99, 0.001), 2);
      checks.push({
        target: `${big.endpoint}: p99 at ${largest} ≤ 1.5× p99 at ${smallest}`,
        value: `${small.ours.p99} → ${big.ours.p99} ms (${growth}×)`,
        met: growth <= 1.5,
      });
    }
  }
  if (mail) {
    checks.push({
      target: 'mail ingest ≥ 200 messages/s',
      value: `${mail.messagesPerSecond} msg/s`,
      met: mail.messagesPerSecond >= 200,
    });
    checks.push({
      target: 'IDLE arrival → ticket p95 ≤ 1 s',
      value: `p95 ${mail.latencyMs.p95} ms`,
      met: mail.latencyMs.p95 <= 1000,
    });
  }
  if (live) {
    checks.push({
      target: `live events, ${live.connections} streams, ${live.changesPerSecond} changes/s: p95 change → delivered ≤ 500 ms`,
      value: `p95 ${live.latencyMs.p95} ms (API CPU ${live.apiCpuPercent} %)`,
      met: live.latencyMs.p95 <= 500,
    });
  }
  for (const result of consoles) {
    checks.push(
      {
        target: `${result.dataset} · console: inbox visible ≤ 1 s after sign-in`,
        value: `p50 ${result.signInToInboxMs.p50} ms, max ${result.signInToInboxMs.max} ms`,
        met: result.signInToInboxMs.max <= 1000,
      },
      {
        target: `${result.dataset} · console: a live change visible in another operator's browser ≤ 1 s`,
        value: `p95 ${result.liveChangeMs.p95} ms, max ${result.liveChangeMs.max} ms`,
        met: result.liveChangeMs.max <= 1000,
      },
    );
  }
  return checks;
}

const triple = (m: { p50: number; p95: number; p99: number } | undefined) =>
  m ? `${m.p50} / ${m.p95} / ${m.p99}` : '–';

const pair = (a: number | undefined, b: number | undefined) => `${a ?? '–'} / ${b ?? '–'}`;

export function markdown(report: BenchReport): string {
  const m = report.machine;
  const lines: string[] = [
    `## Benchmark (${report.mode}), ${report.startedAt}`,
    '',
    `Machine: ${m.cpus} × ${m.cpuModel}, ${m.memoryGiB} GiB; Node ${m.node}; PostgreSQL ${m.postgres}. ` +
      `Load average at start ${m.loadavgStart.join(' ')}, at end ${m.loadavgEnd.join(' ')}. ` +
      `Rounds: ${report.timing.rounds} × ${report.timing.roundSeconds} s per side after ${report.timing.warmupSeconds} s warm-up, ` +
      `${report.timing.connections} connections.`,
    '',
    '### PostgreSQL: ours against the raw-SQL reference',
    '',
    '| tickets | endpoint | ours req/s | ref req/s | ours / ref | ours p50 / p95 / p99 ms | ref p50 / p95 / p99 ms | CPU ms/req ours / ref | DB CPU ms/req ours / ref | errors ours / ref |',
    '|---|---|--:|--:|--:|--:|--:|--:|--:|--:|',
  ];
  for (const row of report.http) {
    lines.push(
      `| ${row.dataset} | ${row.endpoint} | ${row.ours.rps} | ${row.reference?.rps ?? '–'} | ${row.ratio ?? '–'} | ` +
        `${triple(row.ours)} | ${triple(row.reference)} | ` +
        `${pair(row.ours.cpuMsPerRequest, row.reference?.cpuMsPerRequest)} | ` +
        `${pair(row.ours.dbCpuMsPerRequest, row.reference?.dbCpuMsPerRequest)} | ${pair(row.ours.errors, row.reference?.errors)} |`,
    );
  }
  lines.push('', `Peak RSS of the API process: ${report.peakRssMb} MiB.`, '');
  if (report.pglite.length > 0) {
    lines.push(
      '### Embedded PGlite (the default with nothing configured)',
      '',
      '| tickets | endpoint | req/s | p50 / p95 / p99 ms | CPU ms/req | errors |',
      '|---|---|--:|--:|--:|--:|',
    );
    for (const row of report.pglite) {
      lines.push(
        `| ${row.dataset} | ${row.endpoint} | ${row.ours.rps} | ${triple(row.ours)} | ` +
          `${row.ours.cpuMsPerRequest} | ${row.ours.errors} |`,
      );
    }
    lines.push('', `Peak RSS of the API process on PGlite: ${report.pglitePeakRssMb} MiB.`, '');
  }
  if (report.mail) {
    const mail = report.mail;
    lines.push(
      '### Mail',
      '',
      `${mail.messages} mails by ${mail.method} (in ${mail.appendSeconds} s); all tickets ` +
        `${mail.ingestSeconds} s after its watcher connected → **${mail.messagesPerSecond} messages/s**. IDLE arrival → ticket over ` +
        `${mail.latencyMs.samples.length} single mails: p50 ${mail.latencyMs.p50} ms, p95 ${mail.latencyMs.p95} ms. ` +
        `Peak RSS ${mail.peakRssMb} MiB.`,
      '',
    );
  }
  if (report.live) {
    const live = report.live;
    lines.push(
      '### Live events (SSE)',
      '',
      `${live.connections} operators' streams open, ${live.changes} ticket changes at ${live.changesPerSecond}/s ` +
        `(PATCH adding a tag): ${live.delivered} of ${live.expected} events delivered; change → delivered p50 ` +
        `${live.latencyMs.p50} ms, p95 **${live.latencyMs.p95} ms**, p99 ${live.latencyMs.p99} ms, max ${live.latencyMs.max} ms. ` +
        `API CPU over the window ${live.apiCpuPercent} % of a core (the harness reading the streams: ${live.harnessCpuPercent} %); ` +
        `peak RSS ${live.apiPeakRssMb} MiB.`,
      '',
    );
  }
  if (report.console.length > 0) {
    lines.push(
      '### Web console (Chromium)',
      '',
      '| tickets | sign-in → inbox p50 / max ms | open inbox (signed in) p50 / max ms | live change p50 / p95 / max ms |',
      '|---|--:|--:|--:|',
    );
    for (const result of report.console) {
      lines.push(
        `| ${result.dataset} | ${result.signInToInboxMs.p50} / ${result.signInToInboxMs.max} | ` +
          `${result.openInboxMs.p50} / ${result.openInboxMs.max} | ` +
          `${result.liveChangeMs.p50} / ${result.liveChangeMs.p95} / ${result.liveChangeMs.max} |`,
      );
    }
    lines.push(
      '',
      `${report.console[0]?.signIns} sign-ins in new browsers, ${report.console[0]?.changes} changes; see bench/console-phase.ts.`,
      '',
    );
  }
  lines.push('### Targets', '', '| target | this run | met |', '|---|---|---|');
  for (const check of report.targets) lines.push(`| ${check.target} | ${check.value} | ${check.met ? 'yes' : 'NO'} |`);
  lines.push('');
  return lines.join('\n');
}
