import closeWithGrace from 'close-with-grace';
import { pino } from 'pino';
import { loadConfigOrExit } from './config.js';
import { openDatabase } from './db/client.js';
import { MailChannel } from './email/mail-channel.js';

// `npm run worker` (the seed's `celery … worker`): takes jobs from Redis and watches the support mailbox.
const config = loadConfigOrExit();
if (!config.redisUrl) {
  console.error(
    'The worker takes its jobs from Redis: set REDIS_URL (or REDIS_HOST). Without Redis, `npm start` runs them.',
  );
  process.exit(1);
}

const log = pino(
  process.stdout.isTTY
    ? { level: config.logLevel, transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss' } } }
    : { level: config.logLevel },
);
const database = await openDatabase(
  config.databaseUrl
    ? {
        kind: 'postgres',
        url: config.databaseUrl,
        poolSize: config.databasePoolSize,
        onError: (err) => log.warn({ err }, 'idle database connection lost'),
      }
    : { kind: 'pglite', dataDir: config.dataDir },
);
await database.migrate();
const channel = new MailChannel(config, database.db, log, 'worker');
await channel.start();
log.info({ imap: Boolean(config.mail.imap), smtp: Boolean(config.mail.smtp) }, 'worker started');

closeWithGrace({ delay: 15_000 }, async ({ err, signal }) => {
  if (err) log.error({ err }, 'worker stopping after an error');
  else log.info({ signal }, 'worker stopping');
  await channel.close();
  await database.close();
});
