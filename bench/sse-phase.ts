import { readFileSync } from 'node:fs';
import http from 'node:http';
import { type Dataset, seedPostgres } from './datasets.js';
import { startApi } from './http-phase.js';
import { BENCH_PASSWORD, benchOperator } from './seed.js';
import { percentile, round } from './stats.js';

/**
 * Live events under load (issue 12): `connections` operators hold `GET /api/events/stream` open while the
 * harness changes `changesPerSecond` tickets a second (PATCH adding a new tag, each change on a ticket of its own);
 * each change's latency is the time from sending its PATCH until a stream delivers its `ticket.updated`,
 * for every stream. Every stream uses the bench operator's token: staff events are rendered once per process
 * whoever the operator is, so a thousand different operators cost the server the same.
 */

export interface SseResult {
  connections: number;
  changesPerSecond: number;
  seconds: number;
  changes: number;
  /** Events delivered over all streams; `changes × connections` when nothing was lost. */
  delivered: number;
  expected: number;
  latencyMs: { p50: number; p95: number; p99: number; max: number };
  /** The API process's CPU over the change window, in % of one core. */
  apiCpuPercent: number;
  /** The harness's own CPU (it reads every stream): near 100 % means it, not the API, set the latency. */
  harnessCpuPercent: number;
  apiPeakRssMb: number;
}

export interface SseOptions {
  connections: number;
  changesPerSecond: number;
  seconds: number;
  log: (line: string) => void;
}

function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

const MARKER = Buffer.from('data: {"ticket_id":');

/** One stream: counts each `ticket.updated` against the time its change was sent. */
function openStream(
  baseUrl: string,
  token: string,
  agent: http.Agent,
  onUpdate: (ticketId: number) => void,
): Promise<http.ClientRequest> {
  return new Promise((resolve, reject) => {
    const request = http.get(
      `${baseUrl}/api/events/stream`,
      { agent, headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' } },
      (response) => {
        if (response.statusCode !== 200) {
          reject(new Error(`stream answered ${response.statusCode}`));
          return;
        }
        // Raw bytes, no decoding or JSON: a thousand copies of every ticket at 50 changes/s is 75 MB/s, and
        // decoding it would measure the harness. Only ticket.updated events flow here (no other activity),
        // so each `{"ticket_id":N` opens one; a chunk may split one, so its tail is kept for the next.
        let carry = Buffer.alloc(0);
        response.on('data', (chunk: Buffer) => {
          const bytes = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
          let at = bytes.indexOf(MARKER);
          let consumed = 0;
          while (at !== -1) {
            let end = at + MARKER.length;
            let id = 0;
            while (
              end < bytes.length &&
              bytes[end] !== undefined &&
              (bytes[end] as number) >= 48 &&
              (bytes[end] as number) <= 57
            ) {
              id = id * 10 + (bytes[end] as number) - 48;
              end++;
            }
            if (end >= bytes.length) break; // the number may go on in the next chunk
            onUpdate(id);
            consumed = end;
            at = bytes.indexOf(MARKER, end);
          }
          const keepFrom = Math.max(consumed, bytes.length - MARKER.length - 12);
          carry = Buffer.from(bytes.subarray(keepFrom));
        });
        resolve(request);
      },
    );
    request.on('error', reject);
  });
}

async function login(baseUrl: string): Promise<string> {
  const response = await fetch(`${baseUrl}/api/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username: benchOperator, password: BENCH_PASSWORD }),
  });
  const body = (await response.json()) as { access_token?: string };
  if (!body.access_token) throw new Error(`login answered ${response.status}`);
  return body.access_token;
}

export async function runSsePhase(admin: string, dataset: Dataset, options: SseOptions): Promise<SseResult> {
  const { connections, changesPerSecond, seconds, log } = options;
  const { url, ids } = await seedPostgres(admin, 'sd_bench_sse', dataset.size);
  const api = await startApi({ DATABASE_URL: url });
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections + 10 });
  const streams: http.ClientRequest[] = [];
  try {
    const token = await login(api.baseUrl);
    const sentAt = new Map<number, number>();
    const latencies: number[] = [];
    const onUpdate = (ticketId: number) => {
      const sent = sentAt.get(ticketId);
      if (sent !== undefined) latencies.push(performance.now() - sent);
    };
    log(`opening ${connections} live streams …`);
    for (let i = 0; i < connections; i++) streams.push(await openStream(api.baseUrl, token, agent, onUpdate));
    const changes = changesPerSecond * seconds;
    const first = ids.firstTicketId;
    // Each change on a ticket of its own: a second change of one ticket would be timed from its own send.
    if (changes > ids.lastTicketId - first + 1) throw new Error(`live: ${changes} changes need as many tickets`);
    log(`${changes} ticket changes at ${changesPerSecond}/s …`);
    const cpuBefore = cpuMs(api.pid);
    const harnessBefore = process.cpuUsage();
    const began = performance.now();
    const patches: Promise<unknown>[] = [];
    for (let i = 0; i < changes; i++) {
      const due = began + (i * 1000) / changesPerSecond;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const ticketId = first + i;
      sentAt.set(ticketId, performance.now());
      patches.push(
        fetch(`${api.baseUrl}/api/tickets/${ticketId}`, {
          method: 'PATCH',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          // A tag the ticket cannot carry yet: always a change (a PATCH that changes nothing records nothing).
          body: JSON.stringify({ add_tags: [`live-${i}`] }),
        }).then(async (response) => {
          if (!response.ok) throw new Error(`PATCH ${ticketId} answered ${response.status}`);
          await response.arrayBuffer();
        }),
      );
    }
    await Promise.all(patches);
    const expected = changes * connections;
    const deadline = performance.now() + 10_000;
    while (latencies.length < expected && performance.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const wallMs = performance.now() - began;
    const apiCpuPercent = round(((cpuMs(api.pid) - cpuBefore) / wallMs) * 100, 1);
    const harness = process.cpuUsage(harnessBefore);
    const harnessCpuPercent = round(((harness.user + harness.system) / 1000 / wallMs) * 100, 1);
    const sorted = [...latencies].sort((a, b) => a - b);
    const result: SseResult = {
      connections,
      changesPerSecond,
      seconds,
      changes,
      delivered: latencies.length,
      expected,
      latencyMs: {
        p50: round(percentile(sorted, 50)),
        p95: round(percentile(sorted, 95)),
        p99: round(percentile(sorted, 99)),
        max: round(sorted.at(-1) ?? 0),
      },
      apiCpuPercent,
      harnessCpuPercent,
      apiPeakRssMb: api.peakRssMb(),
    };
    log(
      `  live: ${result.delivered}/${expected} delivered, p50 ${result.latencyMs.p50} p95 ${result.latencyMs.p95} ms, API CPU ${apiCpuPercent} %, harness ${harnessCpuPercent} %`,
    );
    if (result.delivered < expected) throw new Error(`live: ${expected - result.delivered} events never arrived`);
    return result;
  } finally {
    for (const stream of streams) stream.destroy();
    agent.destroy();
    await api.stop();
  }
}
