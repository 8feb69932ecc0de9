import fastJsonStringify, { type Schema } from 'fast-json-stringify';
import type { FastifySerializerCompiler } from 'fastify';

/**
 * Responses are serialised by fast-json-stringify, as Fastify does by default, from a copy of each response
 * schema in which a nullable field (`Nullable(X)`: `anyOf: [X, {type: 'null'}]`) is written as X with
 * `nullable: true`. For an `anyOf`, fast-json-stringify picks the branch by validating the value against
 * each branch with Ajv (every format of a ticket's operator or SLA, `date-time` and `email` included, on
 * every row); with `nullable` it writes `null` for null and otherwise serialises X, the same bytes. The
 * route schemas themselves (and so the OpenAPI document) are left as they are.
 *
 * One difference, for values outside the contract only: a value that is neither null nor valid X was a
 * serialisation error (500) and is now written as X would write it, as it already is for a field that is
 * not nullable.
 */
export function buildSerializerCompiler(): FastifySerializerCompiler<unknown> {
  return ({ schema }) => fastJsonStringify(nullableUnions(schema) as Schema);
}

/** Keywords that only describe a schema: a nullable union that carries others is left as a union. */
const ANNOTATIONS = new Set(['description', 'title', 'examples', 'deprecated', 'readOnly', 'writeOnly', '$comment']);

/** Keywords under which fast-json-stringify would not look at `nullable` or `type` first. */
const COMBINATORS = ['anyOf', 'oneOf', 'allOf', '$ref', 'if', 'const', 'nullable'];

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNullSchema(value: unknown): boolean {
  return isObject(value) && value.type === 'null' && Object.keys(value).length === 1;
}

/** A schema fast-json-stringify serialises by its single `type`, where `nullable: true` is honoured. */
function isTyped(value: unknown): value is Record<string, unknown> {
  return (
    isObject(value) &&
    typeof value.type === 'string' &&
    value.type !== 'null' &&
    COMBINATORS.every((keyword) => !(keyword in value))
  );
}

/** The branch X of `anyOf: [X, null]` (either order) when the union is nothing more; else undefined. */
function nullableBranch(schema: Record<string, unknown>): Record<string, unknown> | undefined {
  const branches = schema.anyOf;
  if (!Array.isArray(branches) || branches.length !== 2) return undefined;
  if (Object.keys(schema).some((key) => key !== 'anyOf' && !ANNOTATIONS.has(key))) return undefined;
  const [first, second] = branches as unknown[];
  if (isNullSchema(second) && isTyped(first)) return first;
  if (isNullSchema(first) && isTyped(second)) return second;
  return undefined;
}

/** A copy of `schema` with each nullable union as its non-null branch marked `nullable`; the input is not changed. */
export function nullableUnions(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(nullableUnions);
  if (!isObject(schema)) return schema;
  const branch = nullableBranch(schema);
  if (branch) return { ...(nullableUnions(branch) as Record<string, unknown>), nullable: true };
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    // Values under these are data, not schemas (an example may look like a union).
    copy[key] =
      key === 'examples' || key === 'default' || key === 'enum' || key === 'const' ? value : nullableUnions(value);
  }
  return copy;
}
