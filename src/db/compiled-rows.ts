import { Column, getTableName, is, SQL, Subquery } from 'drizzle-orm';
import { PgTimestamp } from 'drizzle-orm/pg-core';
import { parseTimestamptz } from './pg-timestamp.js';

/**
 * Drizzle maps every row of a select with `mapResultRow`, which asks each field of each row what kind of
 * field it is (`is()` walks prototypes) before decoding it: a fifth of the API's busy CPU on a ticket list
 * (docs/benchmarks.md, "Where a list's CPU goes"). A prepared statement's fields never change, so this works
 * out each column's place and decoder once and maps rows with a plain loop, with the same result as
 * Drizzle's: nested objects by path, decoded values, and a left-joined table whose first column is null
 * turned into `null` (test/api/compiled-rows.test.ts compares the two on real rows).
 */

interface SelectedField {
  path: string[];
  field: unknown;
}

interface Decoder {
  mapFromDriverValue(value: unknown): unknown;
}

/** What Drizzle's prepared select queries (node-postgres and PGlite) carry; read defensively. */
interface MappableQuery {
  fields: SelectedField[];
  joinsNotNullableMap: Record<string, boolean> | undefined;
}

function mappable(query: object): MappableQuery | undefined {
  const fields: unknown = Reflect.get(query, 'fields');
  if (!Array.isArray(fields) || Reflect.get(query, 'customResultMapper') !== undefined) return undefined;
  const joins: unknown = Reflect.get(query, 'joinsNotNullableMap');
  const valid = fields.every(
    (entry: unknown) =>
      typeof entry === 'object' && entry !== null && Array.isArray(Reflect.get(entry, 'path')) && 'field' in entry,
  );
  if (!valid) return undefined;
  return {
    fields: fields as SelectedField[],
    joinsNotNullableMap: typeof joins === 'object' && joins !== null ? (joins as Record<string, boolean>) : undefined,
  };
}

function isDecoder(value: unknown): value is Decoder {
  return typeof value === 'object' && value !== null && typeof Reflect.get(value, 'mapFromDriverValue') === 'function';
}

/** The decoder Drizzle's mapResultRow would use for `field` (an SQL's decoder is internal to Drizzle). */
function decoderOf(field: unknown): Decoder | undefined {
  if (is(field, Column)) return field;
  const sqlOf = is(field, SQL)
    ? field
    : is(field, Subquery)
      ? field._.sql
      : is(field, SQL.Aliased)
        ? field.sql
        : undefined;
  const decoder: unknown = sqlOf && Reflect.get(sqlOf, 'decoder');
  return isDecoder(decoder) ? decoder : undefined;
}

/**
 * The decoder's `mapFromDriverValue`, looked up once (an aliased table's columns are proxies, whose every
 * property read goes through a trap), except for `timestamp with time zone` columns in `Date` mode, whose
 * text is read by `parseTimestamptz` (the same `Date` as Drizzle's `new Date(text)`, faster; a value the
 * driver already parsed passes through, as in Drizzle).
 */
function decodeWith(decoder: Decoder): (value: unknown) => unknown {
  if (is(decoder, PgTimestamp) && decoder.withTimezone) {
    return (value) => (typeof value === 'string' ? parseTimestamptz(value) : value);
  }
  const map = decoder.mapFromDriverValue;
  return (value) => map.call(decoder, value);
}

interface Slot {
  /** Index of the object it goes into (0: the row itself, n: the n-th nested object). */
  parent: number;
  key: string;
  decode: (value: unknown) => unknown;
}

interface Nested {
  key: string;
  /** The column that first names this object: the object takes its place in the row there. */
  firstColumn: number;
  /** A joined table's object, nulled when its first table column is null and the join may miss (as Drizzle does). */
  nullable: { column: number } | undefined;
}

/** Plans the mapping of one select's rows; undefined when its fields are not of a shape planned here. */
function plan(query: MappableQuery): ((rows: unknown[][]) => Record<string, unknown>[]) | undefined {
  const nested: Nested[] = [];
  const indexOf = new Map<string, number>();
  const slots: Slot[] = [];
  /** Per nested object: the table of its first table column, or false once two tables are seen. */
  const tableOf = new Map<number, string | false>();
  for (const [column, { path, field }] of query.fields.entries()) {
    if (path.length === 0 || path.length > 2) return undefined;
    let parent = 0;
    if (path.length === 2) {
      const name = path[0] as string;
      let index = indexOf.get(name);
      if (index === undefined) {
        index = nested.length + 1;
        indexOf.set(name, index);
        nested.push({ key: name, firstColumn: column, nullable: undefined });
      }
      parent = index;
      const entry = nested[index - 1] as Nested;
      // Drizzle decides by the object's first table column, unless its table columns come from two tables.
      if (is(field, Column)) {
        const table = getTableName(field.table);
        const known = tableOf.get(index);
        if (known === undefined) {
          tableOf.set(index, table);
          if (query.joinsNotNullableMap && !query.joinsNotNullableMap[table]) entry.nullable = { column };
        } else if (known !== table) {
          tableOf.set(index, false);
          entry.nullable = undefined;
        }
      }
    }
    const decoder = decoderOf(field);
    if (!decoder) return undefined;
    slots.push({ parent, key: path[path.length - 1] as string, decode: decodeWith(decoder) });
  }
  const opens = new Map(nested.map((entry, i) => [entry.firstColumn, i + 1]));
  return (rows) =>
    rows.map((row) => {
      const result: Record<string, unknown> = {};
      const objects: Record<string, unknown>[] = [result];
      for (let column = 0; column < slots.length; column++) {
        const opened = opens.get(column);
        if (opened !== undefined) {
          const object: Record<string, unknown> = {};
          objects[opened] = object;
          result[(nested[opened - 1] as Nested).key] = object;
        }
        const slot = slots[column] as Slot;
        const raw = row[column];
        (objects[slot.parent] as Record<string, unknown>)[slot.key] = raw === null ? null : slot.decode(raw);
      }
      for (const entry of nested) {
        if (entry.nullable !== undefined && row[entry.nullable.column] === null) result[entry.key] = null;
      }
      return result;
    });
}

/** The prepared query, its rows mapped by a plan made once (unchanged if it is not a plain select). */
export function withCompiledRows<Query extends object>(query: Query): Query {
  const target = mappable(query);
  const mapper = target && plan(target);
  if (mapper) Reflect.set(query, 'customResultMapper', mapper);
  return query;
}
