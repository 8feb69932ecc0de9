import { sql } from 'drizzle-orm';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import { type Db, migrationsFolder } from './client.js';
import { isUndefinedTable } from './errors.js';

/**
 * How many of this code's migrations the database has not applied. Drizzle applies the migrations whose
 * folder time is after the newest one recorded in drizzle.__drizzle_migrations; this counts the same way.
 * A process started with MIGRATE_ON_START=false checks it, so new code never runs on an old schema.
 */
export async function pendingMigrations(db: Db): Promise<number> {
  const known = readMigrationFiles({ migrationsFolder });
  let last: number;
  try {
    const [row] = await db
      .select({ last: sql<string | null>`max(created_at)::text` })
      .from(sql`drizzle.__drizzle_migrations`);
    last = Number(row?.last ?? 0);
  } catch (error) {
    if (isUndefinedTable(error)) return known.length;
    throw error;
  }
  return known.filter((migration) => migration.folderMillis > last).length;
}
