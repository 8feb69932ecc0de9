import { availableParallelism } from 'node:os';
import type { ApiProcess } from './api-process.js';
import type { FaultTimes } from './faults.js';
import { percentile, type Stats, type Window } from './http.js';
import type { CustomerLoad, WriteRecord } from './load.js';
import { mb, Report } from './report.js';
import { checkStore } from './store-check.js';

export interface SummaryInput {
  options: { seconds: number; clients: number; operators: number; requestTimeoutSeconds: number };
  stats: Stats;
  load: CustomerLoad;
  /** Writes made outside the customer load (operators' answers in the worker phase). */
  extraWrites?: WriteRecord[];
  databaseUrl: string;
  loadSeconds: number;
  memory: { t: number; kb: number }[];
  rssAtStart: number | undefined;
  rssAtEnd: number | undefined;
  faults: FaultTimes;
  /** One per PostgreSQL restart: what the clients got while it was down. */
  pgWindows: Window[];
  api: ApiProcess;
  apiDied: string | undefined;
  readyAfter: string;
  /** The machine's 1-minute load average: other people's work shares these cores. */
  loadAverage: { start: number; end: number };
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const tally = (map: Map<string, number>) =>
  [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k}×${v}`)
    .join(', ') || 'none';

/** The largest value, 0 for none (no spread: a long run has more values than a call takes arguments). */
const maxOf = (values: number[]): number => values.reduce((a, b) => Math.max(a, b), 0);

/** Time from `from` to the first write acknowledged after it, or undefined if none was. */
function firstAckAfter(writes: WriteRecord[], from: number | undefined): number | undefined {
  if (from === undefined) return undefined;
  let first: number | undefined;
  for (const w of writes)
    if (w.ackAt !== undefined && w.ackAt > from && (first === undefined || w.ackAt < first)) first = w.ackAt;
  return first === undefined ? undefined : first - from;
}

export async function summarise(input: SummaryInput): Promise<Report> {
  const { stats, load, options } = input;
  const writes = [...load.writes, ...(input.extraWrites ?? [])];
  const store = await checkStore(input.databaseUrl, writes);
  const report = new Report();

  // --- What happened --------------------------------------------------------------------------------
  const byKind = (kind: string) => writes.filter((w) => w.kind === kind && w.state === 'acked').length;
  report.info(
    'load',
    `${options.clients} customers, ${options.operators} operators, ${input.loadSeconds.toFixed(1)} s`,
  );
  report.info('requests', `${stats.total} (${(stats.total / Math.max(1, input.loadSeconds)).toFixed(0)}/s)`);
  report.info(
    'machine load average at start / end',
    `${input.loadAverage.start.toFixed(1)} / ${input.loadAverage.end.toFixed(1)} (${availableParallelism()} cores)`,
  );
  report.info(
    'writes acknowledged (2xx)',
    `${store.acknowledged} (tickets ${byKind('ticket')}, messages ${byKind('message')}${byKind('answer') ? `, answers ${byKind('answer')}` : ''})`,
  );
  report.info('  of which replayed (Idempotency-Replayed)', writes.filter((w) => w.ackReplayed).length);
  report.info('  acknowledged after ≥ 1 retry', writes.filter((w) => w.state === 'acked' && w.attempts > 1).length);
  report.info(
    'stored (acknowledged tags found)',
    `${store.storedAcknowledged}; rows with a tag: ${store.rowsWithTags}`,
  );
  const gaveUp = writes.filter((w) => w.state === 'gave-up');
  const reasons = new Map<string, number>();
  for (const w of gaveUp) reasons.set(`last ${w.lastOutcome}`, (reasons.get(`last ${w.lastOutcome}`) ?? 0) + 1);
  report.info(
    'unacknowledged at the end (in doubt)',
    `${store.unacknowledged} (stored ${store.unacknowledgedStored}, not stored ${store.unacknowledged - store.unacknowledgedStored})` +
      `${gaveUp.length ? `; gave up: ${tally(reasons)}` : ''}`,
  );
  report.info('503 with Retry-After', stats.s503 - stats.s503WithoutRetryAfter);
  report.info('409 (key still in progress)', stats.s409);
  const held = writes
    .filter((w) => w.first409At !== undefined)
    .map((w) => ((w.endedAt ?? performance.now()) - (w.first409At ?? 0)) / 1000);
  report.info(
    '  writes held by 409s / longest hold',
    `${held.length} / ${maxOf(held).toFixed(1)} s (${held.filter((s) => s >= 30).length} held ≥ 30 s)`,
  );
  report.info('network errors (retried)', stats.network);
  report.info(
    'response time p50 / p99 / max',
    `${percentile(stats.latenciesMs, 50).toFixed(0)} / ${percentile(stats.latenciesMs, 99).toFixed(0)} / ${maxOf(stats.latenciesMs).toFixed(0)} ms`,
  );
  const ackLatency = writes.filter((w) => w.ackAt !== undefined).map((w) => (w.ackAt ?? 0) - w.firstAt);
  report.info(
    'write: first try → 2xx p50 / p99 / max',
    `${percentile(ackLatency, 50).toFixed(0)} / ${percentile(ackLatency, 99).toFixed(0)} / ${maxOf(ackLatency).toFixed(0)} ms`,
  );
  report.info('statuses by operation', tally(stats.byOpStatus));
  for (const window of stats.windows) {
    report.info(`answers while ${window.name}`, tally(window.tally));
  }
  const pgRecovery = firstAckAfter(writes, input.faults.pgBackAt);
  const redisRecovery = firstAckAfter(writes, input.faults.redisBackAt);
  report.info('first 2xx write after PostgreSQL came back', pgRecovery === undefined ? 'none' : seconds(pgRecovery));
  report.info('first 2xx write after Redis came back', redisRecovery === undefined ? 'none' : seconds(redisRecovery));
  const { apiStoppedAt, apiBackAt, apiExit } = input.faults;
  if (apiStoppedAt !== undefined) {
    const back = apiBackAt === undefined ? undefined : (apiBackAt - apiStoppedAt) / 1000;
    report.check(
      'API restarted under load (SIGTERM, then started again)',
      `old process: ${apiExit ?? 'unknown'}; answering again after ${back === undefined ? '—' : `${back.toFixed(1)} s`}`,
      'the old one exits 0 (drained), the new one answers within 30 s',
      apiExit === 'exit code 0' && back !== undefined && back < 30,
    );
    const apiRecovery = firstAckAfter(writes, apiBackAt);
    report.info('first 2xx write after the API came back', apiRecovery === undefined ? 'none' : seconds(apiRecovery));
  }
  report.info(
    `API log (LOG_LEVEL=${process.env.SOAK_LOG_LEVEL ?? 'warn'})`,
    `${input.api.scan.warnCount} warn, ${input.api.scan.errorCount} error, ${input.api.scan.otherCount} non-JSON lines`,
  );

  // --- Memory -----------------------------------------------------------------------------------------
  const warmupAt = Math.min(10, options.seconds / 4);
  const warm = input.memory.find((s) => s.t >= warmupAt)?.kb ?? input.rssAtStart;
  const peak = maxOf(input.memory.map((s) => s.kb));
  report.info(
    'API RSS start / after warm-up / end / peak',
    `${mb(input.rssAtStart)} / ${mb(warm)} (t=${warmupAt.toFixed(0)} s) / ${mb(input.rssAtEnd)} / ${mb(peak)}`,
  );

  const kb = (value: number | undefined) => (value === undefined ? null : Math.round(value));
  Object.assign(report.metrics, {
    loadSeconds: Number(input.loadSeconds.toFixed(2)),
    requests: stats.total,
    requestsPerSecond: Number((stats.total / Math.max(1, input.loadSeconds)).toFixed(1)),
    acknowledged: store.acknowledged,
    acknowledgedTickets: byKind('ticket'),
    acknowledgedMessages: byKind('message'),
    acknowledgedAnswers: byKind('answer'),
    stored: store.storedAcknowledged,
    duplicates: store.duplicates.length,
    lost: store.lost.length,
    mismatched: store.mismatched.length,
    unacknowledged: store.unacknowledged,
    unacknowledgedStored: store.unacknowledgedStored,
    status5xxOther: stats.s5xxOther,
    status503WithRetryAfter: stats.s503 - stats.s503WithoutRetryAfter,
    status503WithoutRetryAfter: stats.s503WithoutRetryAfter,
    status409: stats.s409,
    status4xxOther: stats.s4xxOther,
    networkErrors: stats.network,
    hangs: stats.hangs,
    writesHeldBy409: held.length,
    longest409HoldSeconds: Number(maxOf(held).toFixed(1)),
    latencyP50Ms: Math.round(percentile(stats.latenciesMs, 50)),
    latencyP99Ms: Math.round(percentile(stats.latenciesMs, 99)),
    pgRecoverySeconds: pgRecovery === undefined ? null : Number((pgRecovery / 1000).toFixed(2)),
    redisRecoverySeconds: redisRecovery === undefined ? null : Number((redisRecovery / 1000).toFixed(2)),
    rssStartKb: kb(input.rssAtStart),
    rssWarmKb: kb(warm),
    rssEndKb: kb(input.rssAtEnd),
    rssPeakKb: kb(peak),
    loadAverageStart: Number(input.loadAverage.start.toFixed(2)),
    loadAverageEnd: Number(input.loadAverage.end.toFixed(2)),
  });

  // --- The rules ----------------------------------------------------------------------------------------
  report.check('lost (acknowledged, not stored)', store.lost.length, 'must be 0', store.lost.length === 0);
  report.check(
    'duplicates (a tag stored more than once)',
    store.duplicates.length,
    'must be 0',
    store.duplicates.length === 0,
  );
  report.check(
    'acknowledged id ≠ stored row',
    store.mismatched.length,
    'the 2xx must name the row that holds the tag',
    store.mismatched.length === 0,
  );
  report.check('rows with a tag no client sent', store.unknownTags, 'must be 0', store.unknownTags === 0);
  report.check('5xx other than 503', stats.s5xxOther, 'must be 0', stats.s5xxOther === 0);
  report.check('503 without Retry-After', stats.s503WithoutRetryAfter, 'must be 0', stats.s503WithoutRetryAfter === 0);
  report.check(
    `hangs (no answer within ${options.requestTimeoutSeconds} s)`,
    stats.hangs,
    'must be 0',
    stats.hangs === 0,
  );
  report.check('writes rejected with a 4xx (not 409)', stats.s4xxOther, 'must be 0', stats.s4xxOther === 0);
  const planned = input.faults.apiStoppedAt === undefined ? '' : ' (but for its planned restart)';
  report.check(
    'API process',
    input.apiDied ?? `ran throughout${planned}`,
    `must not exit${planned}`,
    input.apiDied === undefined,
  );

  const pgTally = new Map<string, number>();
  for (const window of input.pgWindows) {
    for (const [key, n] of window.tally) pgTally.set(key, (pgTally.get(key) ?? 0) + n);
  }
  // Every outage answered, and only with 503 (+ Retry-After: a 503 without is tallied under its own key).
  const everyOutageAnswered = input.pgWindows.length > 0 && input.pgWindows.every((w) => (w.tally.get('503') ?? 0) > 0);
  const only503 = [...pgTally.keys()].every((k) => k === '503');
  report.check(
    'answers while PostgreSQL was down',
    tally(pgTally),
    'some in every outage, all 503 with Retry-After',
    everyOutageAnswered && only503,
  );
  report.check(
    'recovered after PostgreSQL restart',
    pgRecovery === undefined ? 'no 2xx write after' : `first 2xx write after ${seconds(pgRecovery)}`,
    'a 2xx write after the restart, no API restart',
    pgRecovery !== undefined,
  );
  report.check(
    'recovered after Redis restart',
    redisRecovery === undefined ? 'no 2xx write after' : `first 2xx write after ${seconds(redisRecovery)}`,
    'a 2xx write after the restart',
    redisRecovery !== undefined,
  );
  const end = input.loadSeconds;
  const lastWrites = stats.okWrites.sum(end - 5, end);
  const lastReads = stats.okReads.sum(end - 5, end);
  report.check(
    'last 5 s of the load',
    `${lastWrites} 2xx writes, ${lastReads} 2xx reads`,
    options.operators > 0 ? 'both > 0' : 'writes > 0',
    lastWrites > 0 && (options.operators === 0 || lastReads > 0),
  );
  // A 409 is honest while the first request still runs on the server; longer than a client's request
  // timeout, the key is held by a request that is already over (answered 503).
  const holdLimit = options.requestTimeoutSeconds;
  const heldLong = held.filter((s) => s > holdLimit);
  report.check(
    `writes refused with 409 for > ${holdLimit} s`,
    heldLong.length === 0 ? 0 : `${heldLong.length} (longest ${maxOf(heldLong).toFixed(0)} s)`,
    'a write answered 503 must go through once the database is back; a 409 may last one request timeout',
    heldLong.length === 0,
  );
  report.check('GET /api/health/ready after the run', input.readyAfter, 'must be 200', input.readyAfter === '200');
  const limitKb = warm === undefined ? undefined : 3 * warm + 200 * 1024;
  report.check(
    'API RSS at the end',
    mb(input.rssAtEnd),
    `≤ 3 × RSS after warm-up + 200 MB = ${mb(limitKb)}`,
    input.rssAtEnd !== undefined && limitKb !== undefined && input.rssAtEnd <= limitKb,
  );

  for (const write of store.lost.slice(0, 10)) {
    stats.problems.push(
      `LOST ${write.kind} ${write.tag} by ${write.writer}: acknowledged id ${write.ackedId} after ${write.attempts} attempts`,
    );
  }
  for (const dup of store.duplicates.slice(0, 10)) {
    stats.problems.push(`DUPLICATE ${dup.kind} ${dup.tag}: rows ${dup.ids.join(', ')}`);
  }
  for (const m of store.mismatched.slice(0, 10)) {
    stats.problems.push(`MISMATCH ${m.kind} ${m.tag}: acknowledged ${m.acked}, stored ${m.stored}`);
  }
  return report;
}
