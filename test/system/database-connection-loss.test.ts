import net from 'node:net';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../../src/db/client.js';
import { TestContext } from '../helpers/context.js';
import { waitUntil } from '../helpers/wait.js';

/**
 * A PostgreSQL restart terminates every connection, including one a request holds between two queries of
 * a transaction. Found by the soak: that client emitted 'error' with nobody listening and took the API down.
 */

let ctx: TestContext;
let database: Database;
const reported: Error[] = [];
const reportedCodes = () => reported.map((error) => (error as Error & { code?: string }).code);

beforeAll(async () => {
  ctx = await TestContext.create({}, { postgres: true });
  database = await openDatabase({
    kind: 'postgres',
    url: ctx.databaseUrl ?? '',
    poolSize: 2,
    onError: (error) => reported.push(error),
  });
});

afterAll(async () => {
  await database.close();
  await ctx.close();
});

/** A TCP relay to PostgreSQL that can drop the connection the moment a given statement is sent on it. */
class CuttingProxy {
  private cutOn: string | undefined;
  private constructor(private readonly server: net.Server) {}

  static async start(target: URL): Promise<CuttingProxy> {
    const server = net.createServer();
    const proxy = new CuttingProxy(server);
    server.on('connection', (client) => {
      const upstream = net.connect(Number(target.port || 5432), target.hostname);
      const cut = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on('data', (chunk: Buffer) => {
        // A simple-protocol Query message: 'Q', length, then the SQL text.
        const text = chunk[0] === 0x51 ? chunk.subarray(5).toString().toLowerCase() : '';
        if (proxy.cutOn && text.startsWith(proxy.cutOn)) {
          proxy.cutOn = undefined;
          cut();
        } else upstream.write(chunk);
      });
      upstream.on('data', (chunk: Buffer) => client.write(chunk));
      client.on('error', cut).on('close', cut);
      upstream.on('error', cut).on('close', cut);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  cutOnNext(statement: string): void {
    this.cutOn = statement;
  }

  close(): void {
    this.server.close();
  }
}

async function terminate(pid: number): Promise<void> {
  const admin = new pg.Client({ connectionString: ctx.databaseUrl });
  await admin.connect();
  await admin.query('select pg_terminate_backend($1)', [pid]);
  await admin.end();
}

const backendPid = sql`select pg_backend_pid() as pid`;
// `Db` is generic over both drivers, so `execute` results are unknown here; this one is node-postgres.
const pidOf = (result: unknown) => Number((result as pg.QueryResult<{ pid: number }>).rows[0]?.pid);

describe('losing the database connection', () => {
  it('fails the transaction that held it, reports it, and the next query works', async () => {
    const transaction = database.db.transaction(async (tx) => {
      await terminate(pidOf(await tx.execute(backendPid)));
      // The client is checked out and idle here: this is when the unhandled 'error' used to fire. Once it is
      // reported, the connection is known dead and the transaction's next statement must fail.
      await waitUntil(async () => reportedCodes().includes('57P01'), 10_000);
      await tx.execute(sql`select 1`);
    });
    await expect(transaction).rejects.toThrow();
    expect(reportedCodes()).toContain('57P01');
    await expect(database.ping()).resolves.toBeUndefined();
  });

  it('gives back a connection that dies during BEGIN (drizzle keeps it checked out otherwise)', async () => {
    const proxy = await CuttingProxy.start(new URL(ctx.databaseUrl ?? ''));
    const url = new URL(ctx.databaseUrl ?? '');
    url.port = String(proxy.port);
    const single = await openDatabase({ kind: 'postgres', url: url.toString(), poolSize: 1 });
    try {
      for (let round = 0; round < 3; round++) {
        proxy.cutOnNext('begin');
        await expect(single.db.transaction(async (tx) => tx.execute(sql`select 1`))).rejects.toThrow();
        // Were the pool's only connection still checked out, this would wait for the 5 s timeout and fail.
        await expect(single.ping()).resolves.toBeUndefined();
      }
    } finally {
      await single.close();
      proxy.close();
    }
  });

  it('reports an idle pooled connection that is cut, and replaces it', async () => {
    reported.length = 0;
    const before = pidOf(await database.db.execute(backendPid));
    await terminate(before);
    await waitUntil(async () => reported.length > 0, 10_000);
    expect(pidOf(await database.db.execute(backendPid))).not.toBe(before);
  });
});
