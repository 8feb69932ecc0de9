import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import pg from 'pg';
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
  /**
   * Notifications on `channel` (LISTEN): PostgreSQL on a dedicated connection outside the pool, which
   * reconnects with backoff after a restart and then calls `onReconnect` (notifications sent meanwhile are
   * lost: the listener catches up from its own position); PGlite in this process.
   */
  listen(channel: string, handlers: ListenHandlers): Promise<Listening>;
}

export interface ListenHandlers {
  onNotify(payload: string | undefined): void;
  onReconnect(): void;
  onError(error: Error): void;
}

export interface Listening {
  close(): Promise<void>;
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
    // Named statements (db/prepared.ts) are each written so that one plan suits every value (LIMIT in the
    // text, ticket lists led by their filter's index: tickets/ticket-list-shape.ts), so they always run that
    // plan. Left to choose, PostgreSQL replans some of them on every call (1 ms each at 1M tickets) because it
    // estimates the generic plan by average frequencies. Unnamed statements (built per request) are planned
    // for their values either way. JIT off: it compiles any statement estimated above 100,000 cost units,
    // which a search's id look-ups are (on guessed row counts) though they read a few hundred rows: 25 ms of
    // compiling for 1 ms of work, measured at 1M tickets.
    options: '-c jit=off',
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
    async listen(channel, handlers) {
      const listener = new PgListener(options.url, channel, handlers);
      await listener.start();
      return listener;
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
    async listen(channel, handlers) {
      const unlisten = await client.listen(channel, (payload) => handlers.onNotify(payload));
      return { close: () => unlisten() };
    },
  };
}

/** Backoff between attempts to reconnect a listener: doubles from the first to the last. */
const LISTEN_RETRY_MS = { first: 250, last: 10_000 };

/**
 * One LISTEN connection (pg `Client`: a pooled connection would be handed to other queries). Lost — a
 * database restart, a network cut (TCP keep-alive notices a silent one) — it reconnects with backoff until
 * closed; the first connection must succeed (start-up reports a database that is not there).
 */
class PgListener implements Listening {
  private client: pg.Client | undefined;
  private closed = false;
  private retryMs = LISTEN_RETRY_MS.first;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly url: string,
    private readonly channel: string,
    private readonly handlers: ListenHandlers,
  ) {}

  async start(): Promise<void> {
    this.client = await this.connect();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: this.url, keepAlive: true, connectionTimeoutMillis: 5_000 });
    client.on('notification', (message) => {
      if (message.channel === this.channel) this.handlers.onNotify(message.payload);
    });
    client.on('error', (error) => {
      this.handlers.onError(error);
      this.lost(client);
    });
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${client.escapeIdentifier(this.channel)}`);
    } catch (error) {
      client.removeAllListeners('end');
      await client.end().catch(() => undefined);
      throw error;
    }
    return client;
  }

  private lost(client: pg.Client): void {
    if (this.closed || this.client !== client) return;
    this.client = undefined;
    void client.end().catch(() => undefined);
    this.retry();
  }

  private retry(): void {
    if (this.closed) return;
    this.timer = setTimeout(async () => {
      try {
        const client = await this.connect();
        if (this.closed) {
          await client.end().catch(() => undefined);
          return;
        }
        this.client = client;
        this.retryMs = LISTEN_RETRY_MS.first;
        this.handlers.onReconnect();
      } catch (error) {
        this.handlers.onError(error as Error);
        this.retryMs = Math.min(this.retryMs * 2, LISTEN_RETRY_MS.last);
        this.retry();
      }
    }, this.retryMs);
  }
}
