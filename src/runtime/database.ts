import type { Config } from '../config.js';
import { type Database, openDatabase } from '../db/client.js';

/** The configured database: PostgreSQL when `DATABASE_URL` is set, else the embedded PGlite in `DATA_DIR`. */
export function openConfiguredDatabase(config: Config, onIdleError: (error: Error) => void): Promise<Database> {
  return openDatabase(
    config.databaseUrl
      ? { kind: 'postgres', url: config.databaseUrl, poolSize: config.databasePoolSize, onError: onIdleError }
      : { kind: 'pglite', dataDir: config.dataDir },
  );
}
