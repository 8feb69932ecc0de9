import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config.js';
import type { Database } from '../db/client.js';
import { pendingMigrations } from '../db/migration-status.js';

/**
 * At start-up: apply pending migrations (the default), or, with MIGRATE_ON_START=false (a rolling deploy
 * migrates first, with `npm run migrate`), only check that none is pending. Returns false when the process
 * must not start: this version's code would run on a schema that lacks its migrations.
 */
export async function schemaAtStart(config: Config, database: Database, log: FastifyBaseLogger): Promise<boolean> {
  if (config.migrateOnStart) {
    await database.migrate();
    log.info({ database: database.kind }, 'migrations applied');
    return true;
  }
  const pending = await pendingMigrations(database.db);
  if (pending > 0) {
    log.fatal({ pending }, 'the database lacks migrations this version needs: run `npm run migrate` first');
    return false;
  }
  log.info({ database: database.kind }, 'migrations checked (MIGRATE_ON_START=false): none pending');
  return true;
}
