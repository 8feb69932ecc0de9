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
