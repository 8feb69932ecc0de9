import { type SQL, sql } from 'drizzle-orm';
import type { Db } from './client.js';
import { withCompiledRows } from './compiled-rows.js';

/**
 * Named prepared statements for a query whose SQL varies with its input (optional filters, sort order, a
 * first page or a later one): one statement per shape, built by the query builder on first use and kept
 * per database handle. PostgreSQL then parses each shape once per connection rather than once per request,
 * and no query builder runs on the hot path. Shapes are few and fixed by the code, never by a client's
 * values. Their rows are mapped by a plan made once per statement (compiled-rows.ts). A transaction is a
 * handle of its own (its statements run on its connection), kept as long as it lives; the same shape has
 * the same name and text there, which PostgreSQL's per-connection cache accepts.
 */
export function preparedByShape<Shape extends string, Statement extends object>(
  name: string,
  build: (db: Db, shape: Shape, statementName: string) => Statement,
): (db: Db, shape: Shape) => Statement {
  const byHandle = new WeakMap<Db, Map<Shape, Statement>>();
  return (db, shape) => {
    let statements = byHandle.get(db);
    if (!statements) {
      statements = new Map();
      byHandle.set(db, statements);
    }
    let statement = statements.get(shape);
    if (statement === undefined) {
      statement = withCompiledRows(build(db, shape, `${name}_${shape}`));
      statements.set(shape, statement);
    }
    return statement;
  };
}

/** Row counts a page statement is prepared for; a page fetches the smallest that holds what it needs. */
const ROW_BUCKETS = [11, 21, 51, 101, 201] as const;

export function rowBucket(rows: number): number {
  return ROW_BUCKETS.find((bucket) => bucket >= rows) ?? rows;
}

/**
 * `ORDER BY … LIMIT n` with n written into the statement. A LIMIT sent as a parameter makes PostgreSQL's
 * generic plan assume a tenth of the table will be read, so it keeps planning every execution anew (or,
 * forced to reuse the generic plan, picks a parallel scan 30 times slower); with the number in the text
 * the reusable plan is the right one. Pages use `rowBucket` sizes, so there are five such numbers.
 */
export function orderAndLimit(order: SQL[], limit: number): SQL {
  if (!Number.isSafeInteger(limit) || limit < 1) throw new Error(`not a row count: ${limit}`);
  return sql`${sql.join(order, sql`, `)} limit ${sql.raw(String(limit))}`;
}
