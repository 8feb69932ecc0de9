import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The process's Prometheus metrics (served on METRICS_PORT / WORKER_HEALTH_PORT by runtime/ops-server.ts).
 * One registry per process: counters are bumped where the thing happens (mail, webhooks, requests); gauges
 * are computed when scraped, from the sources the entry point hands to `setMetricSources`.
 */
export const registry = new Registry();

let defaults = false;
/** prom-client's process metrics (memory, CPU, event loop lag, GC), once, where metrics are served. */
export function collectProcessMetrics(): void {
  if (defaults) return;
  defaults = true;
  collectDefaultMetrics({ register: registry });
}

const requestDuration = new Histogram({
  name: 'http_request_duration_seconds',
  help: 'API request durations by route pattern and status',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [registry],
});

export const mailReceived = new Counter({
  name: 'mail_received_total',
  help: 'Mails taken from the support mailbox, by what became of them',
  labelNames: ['outcome'] as const,
  registers: [registry],
});

export const mailSent = new Counter({
  name: 'mail_sent_total',
  help: 'Mails the SMTP server accepted',
  registers: [registry],
});

export const mailFailed = new Counter({
  name: 'mail_failed_total',
  help: 'Failed attempts at sending a mail, by whether it will be retried',
  labelNames: ['final'] as const,
  registers: [registry],
});

export const webhookDeliveries = new Counter({
  name: 'webhook_deliveries_total',
  help: 'Webhook delivery attempts by outcome (delivered, retry, failed)',
  labelNames: ['outcome'] as const,
  registers: [registry],
});

/** What the gauges read when scraped; each is optional (a worker has no live streams, an API no lease). */
export interface MetricSources {
  /** Pending outbox rows and the age of the oldest, in seconds (0 when none). */
  outbox?: () => Promise<{ backlog: number; oldestAgeSeconds: number }>;
  /** BullMQ job counts by state (waiting, active, delayed, failed, …), when Redis is configured. */
  queue?: () => Promise<Record<string, number>>;
  /** Whether this process holds the support mailbox's lease (watches it). */
  mailboxLease?: () => boolean;
  /** Clients connected to the live event stream of this process. */
  sseClients?: () => number;
}

let sources: MetricSources = {};
/** Both outbox gauges come from one query per scrape. */
let outboxScrape:
  | { at: number; result: Promise<{ backlog: number; oldestAgeSeconds: number } | undefined> }
  | undefined;

export function setMetricSources(next: MetricSources): void {
  sources = next;
  outboxScrape = undefined;
}

/** The outbox figures of this scrape; undefined when they could not be read (the gauges keep their last value). */
function outboxFigures() {
  const now = Date.now();
  if (!outboxScrape || now - outboxScrape.at > 500) {
    outboxScrape = { at: now, result: sources.outbox?.().catch(() => undefined) ?? Promise.resolve(undefined) };
  }
  return outboxScrape.result;
}

new Gauge({
  name: 'outbox_backlog',
  help: 'Mails waiting in the outbox (pending)',
  registers: [registry],
  async collect() {
    const outbox = await outboxFigures();
    if (outbox) this.set(outbox.backlog);
  },
});

new Gauge({
  name: 'outbox_oldest_age_seconds',
  help: 'Age of the oldest mail waiting in the outbox, 0 when none',
  registers: [registry],
  async collect() {
    const outbox = await outboxFigures();
    if (outbox) this.set(outbox.oldestAgeSeconds);
  },
});

new Gauge({
  name: 'queue_jobs',
  help: 'BullMQ jobs by state (only when Redis is configured)',
  labelNames: ['state'] as const,
  registers: [registry],
  async collect() {
    this.reset();
    const counts = await sources.queue?.().catch(() => undefined);
    for (const [state, count] of Object.entries(counts ?? {})) this.set({ state }, count);
  },
});

new Gauge({
  name: 'mailbox_lease_held',
  help: '1 when this process holds the support mailbox lease (watches the mailbox), else 0',
  registers: [registry],
  collect() {
    this.set(sources.mailboxLease?.() ? 1 : 0);
  },
});

new Gauge({
  name: 'sse_clients',
  help: 'Clients connected to this process live event stream',
  registers: [registry],
  collect() {
    this.set(sources.sseClients?.() ?? 0);
  },
});

export function observeRequest(method: string, route: string, status: number, seconds: number): void {
  requestDuration.observe({ method, route, status: String(status) }, seconds);
}
