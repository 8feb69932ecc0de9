import { type SQL, sql } from 'drizzle-orm';

/**
 * Named prepared statements for a query whose SQL varies with its input (optional filters, sort order, a
 * first page or a later one): one statement per shape, built by the query builder on first use and kept.
 * PostgreSQL then parses each shape once per connection rather than once per request, and no query
 * builder runs on the hot path. Shapes are few and fixed by the code, never by a client's values.
 */
export function preparedByShape<Shape extends string, Statement>(
  name: string,
  build: (shape: Shape, statementName: string) => Statement,
): (shape: Shape) => Statement {
  const statements = new Map<Shape, Statement>();
  return (shape) => {
    let statement = statements.get(shape);
    if (statement === undefined) {
      statement = build(shape, `${name}_${shape}`);
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
