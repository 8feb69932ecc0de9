/** One HTTP call with a deadline, and the tallies every call of the run feeds. */

export type Outcome =
  | {
      type: 'response';
      status: number;
      retryAfter: string | null;
      replayed: boolean;
      requestId: string | null;
      body: unknown;
    }
  | { type: 'network'; error: string }
  | { type: 'timeout' };

export interface Call {
  method: 'GET' | 'POST' | 'PATCH';
  path: string;
  token?: string;
  body?: unknown;
  form?: Record<string, string>;
  idempotencyKey?: string;
}

export interface Timed {
  outcome: Outcome;
  /** performance.now() at send and at the end of the body (or of the failure). */
  startedAt: number;
  endedAt: number;
}

function errorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause as { code?: unknown; message?: unknown } | undefined;
  const code = typeof cause?.code === 'string' ? cause.code : undefined;
  const detail = typeof cause?.message === 'string' ? cause.message : undefined;
  return code ?? detail ?? error.message;
}

/** A request that gets no complete answer within `timeoutMs` is a "hang" (type `timeout`). */
export async function send(baseUrl: string, call: Call, timeoutMs: number): Promise<Timed> {
  const headers: Record<string, string> = {};
  if (call.token) headers.authorization = `Bearer ${call.token}`;
  if (call.idempotencyKey) headers['idempotency-key'] = call.idempotencyKey;
  let body: string | undefined;
  if (call.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(call.form).toString();
  } else if (call.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(call.body);
  }
  const startedAt = performance.now();
  try {
    const response = await fetch(`${baseUrl}${call.path}`, {
      method: call.method,
      headers,
      body,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // not JSON: keep the text
    }
    return {
      outcome: {
        type: 'response',
        status: response.status,
        retryAfter: response.headers.get('retry-after'),
        replayed: response.headers.get('idempotency-replayed') === 'true',
        requestId: response.headers.get('x-request-id'),
        body: parsed,
      },
      startedAt,
      endedAt: performance.now(),
    };
  } catch (error) {
    const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
    return {
      outcome: timedOut ? { type: 'timeout' } : { type: 'network', error: errorText(error) },
      startedAt,
      endedAt: performance.now(),
    };
  }
}

export type Op = 'setup' | 'ticket' | 'message' | 'list' | 'answer' | 'probe';

export interface Window {
  name: string;
  from: number;
  to: number | undefined;
  tally: Map<string, number>;
}

const bump = (map: Map<string, number>, key: string, by = 1) => map.set(key, (map.get(key) ?? 0) + by);

/** Seconds-since-start buckets of successes, for progress lines and the "did it recover" check. */
class Buckets {
  private readonly counts: number[] = [];
  add(second: number): void {
    const index = Math.max(0, Math.floor(second));
    while (this.counts.length <= index) this.counts.push(0);
    this.counts[index] = (this.counts[index] ?? 0) + 1;
  }
  sum(fromSecond: number, toSecond: number): number {
    let total = 0;
    for (let s = Math.max(0, Math.floor(fromSecond)); s < Math.ceil(toSecond); s++) total += this.counts[s] ?? 0;
    return total;
  }
}

export class Stats {
  total = 0;
  ok = 0;
  s503 = 0;
  s503WithoutRetryAfter = 0;
  s5xxOther = 0;
  s409 = 0;
  s4xxOther = 0;
  network = 0;
  hangs = 0;
  replayed = 0;
  readonly byOpStatus = new Map<string, number>();
  readonly okWrites = new Buckets();
  readonly okReads = new Buckets();
  readonly latenciesMs: number[] = [];
  readonly problems: string[] = [];
  readonly windows: Window[] = [];
  /** Set once load starts; before that (set-up) nothing counts towards the rates. */
  t0 = performance.now();

  seconds(at: number = performance.now()): number {
    return (at - this.t0) / 1000;
  }

  openWindow(name: string): Window {
    const window: Window = { name, from: performance.now(), to: undefined, tally: new Map() };
    this.windows.push(window);
    return window;
  }

  private problem(text: string): void {
    if (this.problems.length < 40) this.problems.push(`t=${this.seconds().toFixed(1)}s ${text}`);
  }

  record(op: Op, call: Call, timed: Timed): void {
    const { outcome, startedAt, endedAt } = timed;
    this.total++;
    const key =
      outcome.type === 'response'
        ? String(outcome.status)
        : outcome.type === 'timeout'
          ? 'hang'
          : `network:${outcome.error}`;
    bump(this.byOpStatus, `${op} ${key}`);
    for (const window of this.windows) {
      if (startedAt >= window.from && (window.to === undefined || endedAt <= window.to)) {
        const label =
          outcome.type === 'response' && outcome.status === 503 && !outcome.retryAfter
            ? '503 without Retry-After'
            : key;
        bump(window.tally, label);
      }
    }
    const what = `${call.method} ${call.path}`;
    if (outcome.type === 'timeout') {
      this.hangs++;
      this.problem(`HANG ${what}: no answer within the request timeout`);
      return;
    }
    if (outcome.type === 'network') {
      this.network++;
      return;
    }
    this.latenciesMs.push(endedAt - startedAt);
    const { status } = outcome;
    if (outcome.replayed) this.replayed++;
    if (status >= 200 && status < 300) {
      this.ok++;
      const second = this.seconds(endedAt);
      if (op === 'ticket' || op === 'message' || op === 'answer') this.okWrites.add(second);
      else if (op === 'list') this.okReads.add(second);
    } else if (status === 503) {
      this.s503++;
      if (!outcome.retryAfter) {
        this.s503WithoutRetryAfter++;
        this.problem(`503 WITHOUT Retry-After ${what} (x-request-id ${outcome.requestId})`);
      }
    } else if (status >= 500) {
      this.s5xxOther++;
      this.problem(`${status} ${what} (x-request-id ${outcome.requestId}): ${JSON.stringify(outcome.body)}`);
    } else if (status === 409) {
      this.s409++;
    } else if (status >= 400) {
      this.s4xxOther++;
      this.problem(`unexpected ${status} ${what} (x-request-id ${outcome.requestId}): ${JSON.stringify(outcome.body)}`);
    }
  }
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}
