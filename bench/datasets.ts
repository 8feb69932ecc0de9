import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { drizzle } from 'drizzle-orm/pglite';
import { migrate } from 'drizzle-orm/pglite/migrator';
import { migrationsFolder } from '../src/db/client.js';
import { hashPassword } from '../src/lib/password.js';
import { databaseUrl, freshDatabase, withClient } from './postgres.js';
import {
  BENCH_PASSWORD,
  benchCustomer,
  benchOperator,
  type Exec,
  HISTORY_EVENTS,
  historyStride,
  type SeedSize,
  seed,
} from './seed.js';

/** Who and what the workloads address, read back from the seeded database. */
export interface SeededIds {
  firstTicketId: number;
  lastTicketId: number;
  operatorId: number;
  customerId: number;
  /** A group holding about 7.5 % of the tickets. */
  groupId: number;
  /** Tickets with exactly HISTORY_EVENTS events each (every `historyStride`-th ticket). */
  historyTicketIds: number[];
}

export interface Dataset {
  label: string;
  size: SeedSize;
}

let sharedHash: Promise<string> | undefined;
/** argon2 is slow on purpose: one hash for every seeded account. */
const passwordHash = () => {
  sharedHash ??= hashPassword(BENCH_PASSWORD);
  return sharedHash;
};

async function seedAndRead(exec: Exec, size: SeedSize): Promise<SeededIds> {
  await seed(exec, size, await passwordHash());
  return readIds(exec, size);
}

/** The ids the workloads address, from a seeded database (checked: the history subset is whole). */
async function readIds(exec: Exec, size: SeedSize): Promise<SeededIds> {
  const number = async (text: string, params: unknown[] = []) => {
    const row = (await exec(text, params)).rows[0] as { value: number | string } | undefined;
    return Number(row?.value);
  };
  // The history subset, read back by the index on (ticket_id, id) and checked: each has a full page.
  const counted = (
    await exec(
      `SELECT t.id, (SELECT count(*) FROM ticket_events AS e WHERE e.ticket_id = t.id) AS events
       FROM tickets AS t WHERE t.id IN (SELECT generate_series($1::int, (SELECT max(id) FROM tickets), $1::int))
       ORDER BY t.id`,
      [historyStride(size.tickets)],
    )
  ).rows as { id: number; events: number | string }[];
  const historyTicketIds = counted.filter((row) => Number(row.events) === HISTORY_EVENTS).map((row) => row.id);
  if (historyTicketIds.length < 10 || historyTicketIds.length !== counted.length) {
    throw new Error(
      `seed: ${historyTicketIds.length} of ${counted.length} history tickets have ${HISTORY_EVENTS} events`,
    );
  }
  return {
    historyTicketIds,
    firstTicketId: await number('SELECT min(id) AS value FROM tickets'),
    lastTicketId: await number('SELECT max(id) AS value FROM tickets'),
    operatorId: await number('SELECT id AS value FROM users WHERE email = $1', [benchOperator]),
    customerId: await number('SELECT id AS value FROM users WHERE email = $1', [benchCustomer]),
    groupId: await number('SELECT min(id) AS value FROM groups'),
  };
}

/**
 * A new database on the PostgreSQL server, migrated and seeded. `reuse`: a database of that name left by an
 * earlier run, when it holds exactly the dataset's tickets (nothing written since), is used as it is.
 */
export async function seedPostgres(
  admin: string,
  name: string,
  size: SeedSize,
  reuse = false,
): Promise<{ url: string; ids: SeededIds; reused: boolean }> {
  if (reuse) {
    const url = databaseUrl(admin, name);
    const ids = await withClient(url, async (client) => {
      const { rows } = await client.query<{ count: string }>('SELECT count(*) FROM tickets');
      if (Number(rows[0]?.count) !== size.tickets) return undefined;
      return readIds((text, params) => client.query(text, params), size);
    }).catch(() => undefined);
    if (ids) return { url, ids, reused: true };
  }
  const url = await freshDatabase(admin, name);
  const ids = await withClient(url, (client) => seedAndRead((text, params) => client.query(text, params), size));
  return { url, ids, reused: false };
}

/**
 * A new PGlite folder, migrated and seeded here and closed before the API opens it: PGlite serves one
 * process at a time.
 */
export async function seedPglite(size: SeedSize): Promise<{ dataDir: string; ids: SeededIds }> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'sd-bench-pglite-'));
  const client = await PGlite.create({ dataDir });
  try {
    await migrate(drizzle(client), { migrationsFolder });
    const ids = await seedAndRead((text, params) => client.query(text, params), size);
    return { dataDir, ids };
  } finally {
    await client.close();
  }
}
