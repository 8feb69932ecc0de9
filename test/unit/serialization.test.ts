import { readdirSync } from 'node:fs';
import path from 'node:path';
import fastJsonStringify, { type Schema } from 'fast-json-stringify';
import { Type } from 'typebox';
import { describe, expect, it } from 'vitest';
import { Nullable } from '../../src/lib/schemas.js';
import { buildSerializerCompiler, nullableUnions } from '../../src/lib/serialization.js';
import { ListEnvelope } from '../../src/routes/http-schemas.js';
import { Ticket } from '../../src/tickets/ticket-schemas.js';

const compile = buildSerializerCompiler();
const ours = (schema: unknown) => compile({ schema, method: 'GET', url: '/', httpStatus: '200' });
const fastifyDefault = (schema: unknown) => fastJsonStringify(schema as Schema);

/** Every response schema of every route (`src/routes/<resource>/schemas.ts`), by operation and status. */
async function responseSchemas(): Promise<[string, unknown][]> {
  const routes = path.resolve(import.meta.dirname, '../../src/routes');
  const found: [string, unknown][] = [];
  for (const entry of readdirSync(routes, { withFileTypes: true })) {
    if (!entry.isDirectory() || !readdirSync(path.join(routes, entry.name)).includes('schemas.ts')) continue;
    const module: Record<string, unknown> = await import(path.join(routes, entry.name, 'schemas.ts'));
    for (const [name, value] of Object.entries(module)) {
      const response = (value as { response?: Record<string, unknown> } | null)?.response;
      if (typeof response !== 'object' || response === null) continue;
      for (const [status, schema] of Object.entries(response)) found.push([`${name} ${status}`, schema]);
    }
  }
  return found;
}

/** A small deterministic generator (the same values on every run). */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

const TEXTS = ['plain', 'quote " and \\ backslash', 'line\nbreak\ttab', 'Проблема с принтером', '😀 emoji', ''];

/** A value valid for `schema`: every property present, each union branch (null included) taken at random. */
function sample(schema: unknown, next: () => number): unknown {
  const s = schema as Record<string, unknown>;
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  if (Array.isArray(s.anyOf)) return sample(pick(s.anyOf), next);
  if (Array.isArray(s.enum)) return pick(s.enum);
  if ('const' in s) return s.const;
  switch (s.type) {
    case 'null':
      return null;
    case 'boolean':
      return next() < 0.5;
    case 'integer':
      return Math.floor(next() * 1_000_000) + 1;
    case 'number':
      return Math.round(next() * 100_000) / 100;
    case 'string':
      if (s.format === 'date-time') return new Date(Math.floor(next() * 4e12)).toISOString();
      if (s.format === 'email') return 'someone@example.com';
      if (s.format === 'uri') return 'https://example.com/hook?a=1&b="2"';
      return pick(TEXTS);
    case 'array':
      return Array.from({ length: Math.floor(next() * 3) }, () => sample(s.items, next));
    case 'object': {
      const properties = (s.properties ?? {}) as Record<string, unknown>;
      return Object.fromEntries(Object.entries(properties).map(([key, property]) => [key, sample(property, next)]));
    }
    default:
      return pick(TEXTS);
  }
}

describe('response serialisation', () => {
  it('writes what Fastify’s default serialiser writes, for every response schema of every route', async () => {
    const schemas = await responseSchemas();
    expect(schemas.length).toBeGreaterThan(50);
    const unchecked: string[] = [];
    for (const [name, schema] of schemas) {
      const expected = fastifyDefault(schema);
      const actual = ours(schema);
      let compared = 0;
      for (let seed = 1; seed <= 40; seed++) {
        const value = sample(schema, random(seed));
        let written: string;
        try {
          written = expected(value);
        } catch {
          continue; // The sample broke a constraint the generator does not know (a pattern, minItems).
        }
        expect(actual(value), `${name}, seed ${seed}`).toBe(written);
        compared++;
      }
      if (compared < 20) unchecked.push(`${name}: ${compared}`);
    }
    expect(unchecked).toEqual([]);
  });

  it('leaves no nullable union in the ticket list (no validation per row), and the route schema unchanged', () => {
    const schema = ListEnvelope(Ticket);
    const before = JSON.stringify(schema);
    const serialised = JSON.stringify(nullableUnions(schema));
    expect(serialised).not.toContain('anyOf');
    expect(serialised).toContain('"nullable":true');
    expect(JSON.stringify(schema)).toBe(before);
  });

  it('writes null and the non-null branch of each form of nullable field', () => {
    const schema = Type.Object({
      object: Nullable(Type.Object({ id: Type.Integer() })),
      text: Nullable(Type.String(), { description: 'annotated' }),
      first: Type.Union([Type.Null(), Type.Integer()]),
      list: Nullable(Type.Array(Type.String())),
    });
    const write = ours(schema);
    expect(write({ object: null, text: null, first: null, list: null })).toBe(
      '{"object":null,"text":null,"first":null,"list":null}',
    );
    expect(write({ object: { id: 1 }, text: 'a"b', first: 2, list: ['x'] })).toBe(
      '{"object":{"id":1},"text":"a\\"b","first":2,"list":["x"]}',
    );
  });

  it('keeps unions that are more than nullable, and nullable unions that carry other keywords', () => {
    const either = Type.Union([Type.String(), Type.Integer()]);
    const withDefault = Type.Union([Type.String(), Type.Null()], { default: null });
    const ofEnum = Nullable(Type.Enum(['a', 'b']));
    for (const schema of [either, withDefault, ofEnum]) {
      expect(JSON.stringify(nullableUnions(schema))).toContain('anyOf');
    }
  });
});
