import type { Server } from 'node:http';
import closeWithGrace from 'close-with-grace';
import { buildApp } from './app.js';
import { loadConfigOrExit, sharedSecretProblem } from './config.js';
import { setMetricSources } from './lib/metrics.js';
import { ApiInstances } from './runtime/api-instances.js';
import { openConfiguredDatabase } from './runtime/database.js';
import { loggerOptions } from './runtime/logger.js';
import { closeOpsServer, metricSources, startOpsServer } from './runtime/ops-server.js';
import { schemaAtStart } from './runtime/schema-at-start.js';
import { logStartupNotices } from './runtime/startup-notices.js';

const config = loadConfigOrExit();
const secretProblem = sharedSecretProblem(config);
if (secretProblem) {
  console.error(secretProblem);
  process.exit(1);
}

// The pool reports idle connections lost (a database restart) before the app's logger exists.
let logIdleError = (error: Error) => console.warn(error);
const database = await openConfiguredDatabase(config, (error) => logIdleError(error));
const app = await buildApp({ config, database, logger: loggerOptions(config, 'api') });

logIdleError = (error) => app.log.warn({ err: error }, 'idle database connection lost');

if (!(await schemaAtStart(config, database, app.log))) {
  await database.close();
  process.exit(1);
}
// API processes sharing a PostgreSQL database must sign tokens with one key (PGlite has one process).
const instances = config.databaseUrl ? new ApiInstances(database.db, config.auth.secretKey, app.log) : undefined;
const keyConflict = await instances?.register();
if (keyConflict) {
  app.log.error({ setting: 'SECRET_KEY' }, keyConflict);
  await database.close();
  process.exit(1);
}
const renormalized = await app.services.users.renormalizeUsernames();
if (renormalized > 0) app.log.info({ accounts: renormalized }, 'usernames normalised again');

if (config.admin) {
  const outcome = await app.services.users.ensureAdmin(config.admin.email, config.admin.password);
  app.log.info({ email: config.admin.email, outcome }, 'admin account');
}

// Without Redis this process also runs the jobs and watches the mailbox; with Redis, workers do.
const { background } = app.services;
await background.start();
app.log.info(
  {
    jobs: background.jobs.kind,
    smtp: Boolean(config.mail.smtp),
    imap: Boolean(config.mail.imap),
    watcher: Boolean(background.watcher),
  },
  'email channel',
);
logStartupNotices(app.log, config, 'api');

// Prometheus metrics on a port of their own (METRICS_PORT), never on the public API port.
let ops: Server | undefined;
if (config.ops.metricsPort) {
  setMetricSources(metricSources(app.services, () => app.services.live.size));
  ops = await startOpsServer({ host: config.http.host, port: config.ops.metricsPort, log: app.log });
}

closeWithGrace({ delay: 10_000 }, async ({ err, signal }) => {
  if (err) app.log.error({ err }, 'shutting down after an error');
  else app.log.info({ signal }, 'shutting down');
  const started = Date.now();
  await closeOpsServer(ops);
  await app.close();
  app.log.info({ ms: Date.now() - started }, 'HTTP server and email channel closed');
  await instances?.close();
  await database.close();
  app.log.info({ ms: Date.now() - started }, 'database closed');
});

await app.listen({ host: config.http.host, port: config.http.port });
app.log.info(`API docs: http://${config.http.host}:${config.http.port}/api/docs`);
