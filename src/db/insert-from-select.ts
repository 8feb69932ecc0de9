import { getTableColumns, type SQL, sql } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { Db } from './client.js';

/**
 * `INSERT INTO table (columns) SELECT … RETURNING *` as a CTE (named `inserted` unless `name` says), whose rows drizzle maps as
 * the table's own. For an insert that depends on another statement's rows (a check, an update): drizzle's
 * INSERT … SELECT names every column, the identity column too, so it cannot do that for our tables. The
 * SELECT gives `columns` in order, each value cast (a SELECT list does not take its types from the
 * insert's columns).
 */
export function insertFromSelect<T extends PgTable, N extends string = 'inserted'>(
  db: Db,
  table: T,
  columns: PgColumn[],
  select: SQL,
  name: N = 'inserted' as N,
) {
  const names = sql.join(
    columns.map((column) => sql.identifier(column.name)),
    sql`, `,
  );
  return db.$with(name, getTableColumns(table)).as(sql`insert into ${table} (${names}) ${select} returning *`);
}
