import closeWithGrace from 'close-with-grace';
import { pino } from 'pino';
import { loadConfigOrExit } from './config.js';
import { openConfiguredDatabase } from './runtime/database.js';
import { loggerOptions } from './runtime/logger.js';
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

const log = pino(loggerOptions(config));
const database = await openConfiguredDatabase(config, (err) => log.warn({ err }, 'idle database connection lost'));
if (!(await schemaAtStart(config, database, log))) {
  await database.close();
  process.exit(1);
}
const { background, idempotency } = buildServices(config, database, log, 'worker');
await background.start();
log.info({ imap: Boolean(config.mail.imap), smtp: Boolean(config.mail.smtp) }, 'worker started');
logStartupNotices(log, config, 'worker');

closeWithGrace({ delay: 15_000 }, async ({ err, signal }) => {
  if (err) log.error({ err }, 'worker stopping after an error');
  else log.info({ signal }, 'worker stopping');
  idempotency.close();
  await background.close();
  await database.close();
});
