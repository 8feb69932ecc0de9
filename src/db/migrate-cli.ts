import { loadConfig } from '../config.js';
import { openDatabase } from './client.js';

// `npm run migrate`: applies pending migrations to the configured database, then exits.
const config = loadConfig(process.env, '.env');
const database = await openDatabase(
  config.databaseUrl
    ? { kind: 'postgres', url: config.databaseUrl, poolSize: 1 }
    : { kind: 'pglite', dataDir: config.dataDir },
);
try {
  await database.migrate();
  console.log(`Migrations applied (${database.kind}).`);
} finally {
  await database.close();
}
