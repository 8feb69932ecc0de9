import { createServer, type Server, type ServerResponse } from 'node:http';
import type { FastifyBaseLogger } from 'fastify';
import { collectProcessMetrics, type MetricSources, registry } from '../lib/metrics.js';
import type { Readiness } from './readiness.js';

/** A gauge's source that does not answer in this long (Redis or the database down) is left out of a scrape. */
const SOURCE_TIMEOUT_MS = 1_000;

export interface OpsServerOptions {
  host: string;
  port: number;
  log: FastifyBaseLogger;
  /** With it, `/health` and `/ready` too (a worker's probes); the API has its own under /api/health. */
  readiness?: Readiness;
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(body);
}

const json = (res: ServerResponse, status: number, body: unknown) =>
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(body));

/**
 * The operations listener: Prometheus `/metrics` (and a worker's `/health`, `/ready`) on a port of its own,
 * apart from the public API, on node:http so a scrape never runs through the API's hooks, limits or logs.
 */
export async function startOpsServer(options: OpsServerOptions): Promise<Server> {
  const { readiness, log } = options;
  collectProcessMetrics();
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') return json(res, 405, { detail: 'Method Not Allowed' });
    if (path === '/metrics') {
      registry.metrics().then(
        (text) => send(res, 200, registry.contentType, text),
        (error: unknown) => {
          log.warn({ err: error }, 'metrics scrape failed');
          json(res, 500, { detail: 'Metrics unavailable' });
        },
      );
      return;
    }
    if (readiness && path === '/health') return json(res, 200, { status: 'ok' });
    if (readiness && path === '/ready') {
      readiness.problem().then(
        (problem) => (problem ? json(res, 503, { detail: problem }) : json(res, 200, { status: 'ready' })),
        () => json(res, 503, { detail: 'Not ready' }),
      );
      return;
    }
    json(res, 404, { detail: 'Not Found' });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  log.info({ host: options.host, port: options.port, health: Boolean(readiness) }, 'operations listener');
  return server;
}

export function closeOpsServer(server: Server | undefined): Promise<void> {
  if (!server) return Promise.resolve();
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** A source that gives up after SOURCE_TIMEOUT_MS: a scrape must answer while Redis or the database is down. */
export function bounded<T>(source: () => Promise<T>): () => Promise<T> {
  return () => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('metric source timed out')), SOURCE_TIMEOUT_MS);
    });
    return Promise.race([source(), late]).finally(() => clearTimeout(timer));
  };
}

/** The gauges' sources of one process, from its services (the API adds its live streams). */
export function metricSources(
  services: {
    outbox: { backlog(): Promise<{ backlog: number; oldestAgeSeconds: number }> };
    background: {
      watchingMailbox: boolean;
      jobs: { kind: string } & Partial<{ counts(): Promise<Record<string, number>> }>;
    };
  },
  sseClients?: () => number,
): MetricSources {
  const { jobs } = services.background;
  const counts = jobs.counts?.bind(jobs);
  return {
    outbox: bounded(() => services.outbox.backlog()),
    ...(counts ? { queue: bounded(counts) } : {}),
    mailboxLease: () => services.background.watchingMailbox,
    ...(sseClients ? { sseClients } : {}),
  };
}
