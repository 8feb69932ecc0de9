import pg from 'pg';
import { normaliseDatabaseUrl } from '../src/config.js';
import { openDatabase } from '../src/db/client.js';

/** The server the bench creates its databases on; the bench never writes into the database named here. */
export function adminUrl(env: NodeJS.ProcessEnv): string {
  const url =
    env.BENCH_DATABASE_URL ?? env.DATABASE_URL ?? env.database_url ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  return normaliseDatabaseUrl(url);
}

export function databaseUrl(admin: string, name: string): string {
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Drops and re-creates `name`, then applies the project's own migrations to it. */
export async function freshDatabase(admin: string, name: string): Promise<string> {
  if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`unsafe database name ${name}`);
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const url = databaseUrl(admin, name);
  const database = await openDatabase({ kind: 'postgres', url, poolSize: 1 });
  try {
    await database.migrate();
  } finally {
    await database.close();
  }
  return url;
}

export async function withClient<T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}
