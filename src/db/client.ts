import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { ReleasingPool } from './releasing-pool.js';
import * as schema from './schema.js';

/** What repositories receive: the database or a transaction on it (a transaction is a PgDatabase too). */
export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

export const migrationsFolder = fileURLToPath(new URL('../../drizzle', import.meta.url));

/** Any number after this constant serialises migrations between API processes starting together. */
const MIGRATION_LOCK_KEY = 727_001;

export interface Database {
  readonly kind: 'postgres' | 'pglite';
  readonly db: Db;
  /** Throws when the database cannot answer. */
  ping(): Promise<void>;
  migrate(): Promise<void>;
  close(): Promise<void>;
  /** PGlite only: the data folder as a tarball (tests migrate once and copy it). */
  dumpDataDir(): Promise<Blob>;
}

export type DatabaseOptions =
  | { kind: 'postgres'; url: string; poolSize: number; onError?: (error: Error) => void }
  | { kind: 'pglite'; dataDir?: string; loadDataDir?: Blob | File };

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  return options.kind === 'postgres' ? openPostgres(options) : openPglite(options);
}

function openPostgres(options: { url: string; poolSize: number; onError?: (error: Error) => void }): Database {
  const pool = new ReleasingPool({
    connectionString: options.url,
    max: options.poolSize,
    // A database that is down must turn into a quick 503, not a request that hangs.
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
  });
  // A connection lost in a database restart emits 'error'; with no listener that kills the process. The pool
  // listens only while a client is idle, so each client gets its own listener: one checked out between two
  // queries (inside a transaction) fails its next query instead, the request answers 503, the pool drops it.
  // The pool re-emits an idle client's error; that client's own listener below has reported it already.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', (error) => options.onError?.(error)));
  const db = drizzlePg(pool, { schema });
  return {
    kind: 'postgres',
    db,
    async ping() {
      await pool.query('select 1');
    },
    async migrate() {
      const client = await pool.connect();
      try {
        await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
        await migratePg(drizzlePg(client, { schema }), { migrationsFolder });
      } finally {
        await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
        client.release();
      }
    },
    async close() {
      await pool.end();
    },
    async dumpDataDir() {
      throw new Error('dumpDataDir is a PGlite feature');
    },
  };
}

async function openPglite(options: { dataDir?: string; loadDataDir?: Blob | File }): Promise<Database> {
  const client = await PGlite.create({ dataDir: options.dataDir, loadDataDir: options.loadDataDir });
  const db = drizzlePglite(client, { schema });
  return {
    kind: 'pglite',
    db,
    async ping() {
      await db.execute(sql`select 1`);
    },
    async migrate() {
      await migratePglite(db, { migrationsFolder });
    },
    async close() {
      await client.close();
    },
    async dumpDataDir() {
      return client.dumpDataDir('gzip');
    },
  };
}
