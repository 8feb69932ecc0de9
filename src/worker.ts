import type { Server } from 'node:http';
import closeWithGrace from 'close-with-grace';
import { pino } from 'pino';
import { loadConfigOrExit } from './config.js';
import { setMetricSources } from './lib/metrics.js';
import { openConfiguredDatabase } from './runtime/database.js';
import { loggerOptions } from './runtime/logger.js';
import { closeOpsServer, metricSources, startOpsServer } from './runtime/ops-server.js';
import { schemaAtStart } from './runtime/schema-at-start.js';
import { buildServices } from './runtime/services.js';
import { logStartupNotices } from './runtime/startup-notices.js';

// `npm run worker` (the seed's `celery … worker`): takes jobs from Redis and watches the support mailbox.
const config = loadConfigOrExit();
if (!config.redisUrl) {
  console.error(
    'The worker takes its jobs from Redis: set REDIS_URL (or REDIS_HOST). Without Redis, `npm start` runs them.',
  );
  process.exit(1);
}

const log = pino(loggerOptions(config, 'worker'));
const database = await openConfiguredDatabase(config, (err) => log.warn({ err }, 'idle database connection lost'));
if (!(await schemaAtStart(config, database, log))) {
  await database.close();
  process.exit(1);
}
const services = buildServices(config, database, log, 'worker');
const { background, idempotency, readiness } = services;
await background.start();
log.info({ imap: Boolean(config.mail.imap), smtp: Boolean(config.mail.smtp) }, 'worker started');
logStartupNotices(log, config, 'worker');

// Probes and metrics for the orchestrator (WORKER_HEALTH_PORT): /health, /ready (database + Redis), /metrics.
let ops: Server | undefined;
if (config.ops.workerHealthPort) {
  setMetricSources(metricSources(services));
  ops = await startOpsServer({ host: config.http.host, port: config.ops.workerHealthPort, log, readiness });
}

closeWithGrace({ delay: 15_000 }, async ({ err, signal }) => {
  if (err) log.error({ err }, 'worker stopping after an error');
  else log.info({ signal }, 'worker stopping');
  await closeOpsServer(ops);
  await idempotency.close();
  readiness.close();
  await background.close();
  await database.close();
});
