import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type {} from 'vitest';
import type { TestProject } from 'vitest/node';
import { openDatabase } from '../../src/db/client.js';
import { resolveTestServices } from './services.js';
import { ensureWebBuilt } from './web-build.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** PGlite: a migrated database as a tarball; each test file loads its own copy. */
    pgliteSnapshot: string;
    /** PostgreSQL: a migrated template database; each test file gets a copy. */
    pgTemplate: string;
    /** The PostgreSQL server (TEST_DATABASE_URL or the private one); empty when there is none. */
    postgresUrl: string;
    /** The Redis server (TEST_REDIS_URL or the private one); empty when there is none. */
    redisUrl: string;
    /** Why one of them is missing. */
    servicesProblem: string;
  }
}

/**
 * Migrating takes seconds (PGlite creates a cluster), so it happens once here; each test file then starts
 * from a copy, and no file sees another's rows. With TEST_DATABASE_URL every file runs on PostgreSQL;
 * without it on PGlite, and only the files that need a server shared between processes use PostgreSQL.
 */
export default async function setup(project: TestProject) {
  // The web console's tests (test/web/) need web/dist as built from the current sources.
  ensureWebBuilt();
  const services = resolveTestServices();
  project.provide('postgresUrl', services.postgresUrl);
  project.provide('redisUrl', services.redisUrl);
  project.provide('servicesProblem', services.problem);
  if (process.env.TEST_DATABASE_URL) {
    const url = services.postgresUrl;
    const template = `sd_test_template_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${template}`);
    const database = await openDatabase({ kind: 'postgres', url: withDatabase(url, template), poolSize: 1 });
    await database.migrate();
    await database.close();
    project.provide('pgTemplate', template);
    project.provide('pgliteSnapshot', '');
    return async () => {
      await admin.query(`DROP DATABASE IF EXISTS ${template} WITH (FORCE)`);
      await admin.end();
    };
  }
  const folder = mkdtempSync(path.join(tmpdir(), 'sd-test-'));
  const database = await openDatabase({ kind: 'pglite' });
  await database.migrate();
  const file = path.join(folder, 'snapshot.tar.gz');
  writeFileSync(file, Buffer.from(await (await database.dumpDataDir()).arrayBuffer()));
  await database.close();
  project.provide('pgliteSnapshot', file);
  project.provide('pgTemplate', '');
  return () => rmSync(folder, { recursive: true, force: true });
}

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}
