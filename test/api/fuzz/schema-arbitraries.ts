import fc from 'fast-check';
import type { JsonSchema } from './openapi-document.js';

/**
 * fast-check arbitraries from JSON Schema: `validValue` gives values the schema accepts (as far as patterns
 * can be approximated: candidates are filtered by the real regular expression), `invalidValue` values it
 * should refuse (wrong types, bounds ±1, huge, NUL, patterns broken, required missing, unknown keys). Whether a
 * value really is valid is decided later by Ajv, never assumed from which arbitrary produced it.
 */

/** Lengths as Ajv counts them (code points; a lone surrogate is one). */
export const codePoints = (text: string): number => [...text].length;

/** Short pieces of text that break naive handling: bidi controls, emoji sequences, surrogates, markup, SQL. */
export const HOSTILE_FRAGMENTS = [
  '\u202e', // right-to-left override
  '\u200f\u05e9\u05dc\u05d5\u05dd', // RTL mark + Hebrew
  '\u0645\u0631\u062d\u0628\u0627', // Arabic
  '\ud83d\ude00', // emoji
  '\ud83d\udc69\u200d\ud83d\udc69\u200d\ud83d\udc67\u200d\ud83d\udc66', // family (ZWJ sequence)
  '\ud83c\uddfa\ud83c\udde6', // flag
  '\ud800', // lone high surrogate
  '\udfff', // lone low surrogate
  'e\u0301\u0301\u0301', // stacked combining marks
  '\ufeff', // BOM / zero-width no-break space
  '\u200b', // zero-width space
  '\u2028\u2029', // JavaScript line separators
  '\u00a0', // no-break space
  '\r\n\t',
  '\u0007\u001b[31m', // bell, ANSI escape
  '\u0000', // NUL
  '\ufffd\uffff',
  '\u{10ffff}', // last code point
  'İıßﬃ', // case mapping changes the length
  'Ⅻ①٣', // numbers that are not ASCII digits
  '<script>alert(1)</script>',
  "' OR '1'='1' --",
  '"; DROP TABLE users; --',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template injection probe, meant literally.
  '${7*7}{{7*7}}%s%n',
  '../../etc/passwd',
  '\\u0000\\',
  'Проблема с принтером',
  '测试工单',
];

const fragment = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'grapheme-ascii', maxLength: 8 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 4 }) },
  { weight: 2, arbitrary: fc.constantFrom(...HOSTILE_FRAGMENTS) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 4 }) },
);

/** Text with any code point, hostile fragments included, cut or padded to [min, max] code points. */
export function richString(minLength = 0, maxLength = 64): fc.Arbitrary<string> {
  return fc.array(fragment, { maxLength: 12 }).map((parts) => fitLength(parts.join(''), minLength, maxLength, 'x'));
}

/** Cuts or pads (repeating `filler`) a text to [min, max] code points. */
export function fitLength(text: string, min: number, max: number, filler: string): string {
  let chars = [...text];
  if (chars.length > max) chars = chars.slice(0, max);
  const pad = [...(filler || 'x')];
  for (let i = 0; chars.length < min; i++) chars.push(pad[i % pad.length] as string);
  return chars.join('');
}

const num = (value: unknown): number | undefined => (typeof value === 'number' ? value : undefined);
const types = (schema: JsonSchema): string[] =>
  Array.isArray(schema.type) ? schema.type.map(String) : typeof schema.type === 'string' ? [schema.type] : [];

/** A regular expression for the schema's pattern, as Ajv builds it (`u` flag). */
function patternOf(schema: JsonSchema): RegExp | undefined {
  return typeof schema.pattern === 'string' ? new RegExp(schema.pattern, 'u') : undefined;
}

/** Removes lookaround groups, which fast-check cannot generate from; the full pattern filters afterwards. */
function withoutLookarounds(pattern: string): string {
  return pattern.replace(/\(\?<?[!=](?:[^()\\]|\\.)*\)/g, '');
}

const stringCache = new WeakMap<JsonSchema, fc.Arbitrary<string>>();

/** Strings of the schema's length, pattern and format. */
export function validString(schema: JsonSchema): fc.Arbitrary<string> {
  const cached = stringCache.get(schema);
  if (cached) return cached;
  const min = num(schema.minLength) ?? 0;
  const max = num(schema.maxLength) ?? Math.max(min, 200);
  const regex = patternOf(schema);
  const fits = (s: string) => {
    const n = codePoints(s);
    return n >= min && n <= max && (!regex || regex.test(s));
  };
  const candidates: fc.Arbitrary<string>[] = [];
  if (schema.format === 'email') {
    candidates.push(fc.emailAddress().map((e) => e.slice(0, max)));
    candidates.push(fc.constantFrom('a@b.co', 'user.name+tag@example.com', `${'a'.repeat(64)}@example.com`));
  } else if (schema.format === 'date-time') {
    candidates.push(
      fc.date({ noInvalidDate: true, min: new Date(0), max: new Date(4e12) }).map((d) => d.toISOString()),
    );
  } else if (typeof schema.pattern === 'string' && schema.pattern.startsWith('^whsec_')) {
    // A webhook secret: its pattern allows base64 that does not decode to whole bytes, which the service
    // refuses (422 at the field); generate real ones too, or an admin's valid creation would rarely happen.
    candidates.push(
      fc.uint8Array({ minLength: 24, maxLength: 64 }).map((b) => `whsec_${Buffer.from(b).toString('base64')}`),
    );
  } else if (schema.format === 'uri') {
    candidates.push(fc.webUrl({ validSchemes: ['http', 'https'], withQueryParameters: true }));
  } else if (regex && typeof schema.pattern === 'string') {
    try {
      candidates.push(fc.stringMatching(new RegExp(withoutLookarounds(schema.pattern), 'u')));
    } catch {
      // A pattern fast-check cannot read: rich strings filtered by the pattern below, or the fallback.
    }
  }
  const rich = richString(min, Math.min(max, 80));
  if (viable(rich, fits)) candidates.push(rich);
  const base = candidates.length > 0 ? fc.oneof(...candidates).filter(fits) : fallbackString(min, max, fits);
  // Exactly the boundaries, built from a valid sample so the pattern still holds.
  const boundary = base.chain((sample) => {
    const edges = [fitLength(sample, min, min, sample), fitLength(sample, max, max, sample)].filter(fits);
    return edges.length > 0 ? fc.constantFrom(...edges) : fc.constant(sample);
  });
  const arb = fc.oneof({ weight: 6, arbitrary: base }, { weight: 1, arbitrary: boundary });
  stringCache.set(schema, arb);
  return arb;
}

/** True when at least a fifth of a fixed sample passes, so `filter` will not spin. */
function viable(arb: fc.Arbitrary<string>, fits: (s: string) => boolean): boolean {
  const sample = fc.sample(arb, { numRuns: 50, seed: 7 });
  return sample.filter(fits).length >= 10;
}

function fallbackString(min: number, max: number, fits: (s: string) => boolean): fc.Arbitrary<string> {
  const plain = fc.string({ unit: 'grapheme-ascii', minLength: min, maxLength: Math.min(max, 80) });
  if (viable(plain, fits)) return plain.filter(fits);
  // Nothing we can make satisfies it: invalid values only, and the report shows the operation never passing.
  return fc.constant('x');
}

const INT4_MAX = 2_147_483_647;

/** Values the schema accepts. `hint` may supply realistic values (seeded ids, known logins) for a name. */
export function validValue(
  schema: JsonSchema,
  hint: (name: string) => fc.Arbitrary<unknown> | undefined = () => undefined,
  name = '',
): fc.Arbitrary<unknown> {
  const hinted = name ? hint(name) : undefined;
  const plain = plainValid(schema, hint);
  return hinted ? fc.oneof({ weight: 3, arbitrary: hinted }, { weight: 1, arbitrary: plain }) : plain;
}

function plainValid(
  schema: JsonSchema,
  hint: (name: string) => fc.Arbitrary<unknown> | undefined,
): fc.Arbitrary<unknown> {
  if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as unknown[]));
  if ('const' in schema) return fc.constant(schema.const);
  for (const key of ['anyOf', 'oneOf'] as const) {
    const branches = schema[key];
    if (Array.isArray(branches) && branches.length > 0) {
      return fc.oneof(...branches.map((b) => validValue({ ...(b as JsonSchema) }, hint)));
    }
  }
  const allowed = types(schema);
  if (allowed.length > 1) return fc.oneof(...allowed.map((type) => plainValid({ ...schema, type }, hint)));
  switch (allowed[0]) {
    case 'null':
      return fc.constant(null);
    case 'boolean':
      return fc.boolean();
    case 'integer': {
      const min = num(schema.minimum) ?? -INT4_MAX;
      const max = num(schema.maximum) ?? INT4_MAX;
      return fc.oneof(
        { weight: 4, arbitrary: fc.integer({ min, max }) },
        { weight: 1, arbitrary: fc.constantFrom(min, max) },
      );
    }
    case 'number':
      return fc.double({ noNaN: true, noDefaultInfinity: true, min: num(schema.minimum), max: num(schema.maximum) });
    case 'string':
      return validString(schema);
    case 'array': {
      const items = (schema.items as JsonSchema | undefined) ?? {};
      const minLength = num(schema.minItems) ?? 0;
      return fc.array(validValue(items, hint), {
        minLength,
        maxLength: Math.max(minLength, num(schema.maxItems) ?? 4),
      });
    }
    case 'object':
      return validObject(schema, hint);
    default:
      return schema.properties ? validObject(schema, hint) : fc.jsonValue({ maxDepth: 2 });
  }
}

function validObject(schema: JsonSchema, hint: (name: string) => fc.Arbitrary<unknown> | undefined) {
  const properties = (schema.properties as Record<string, JsonSchema> | undefined) ?? {};
  const required = Array.isArray(schema.required) ? schema.required.map(String) : [];
  const model = Object.fromEntries(Object.entries(properties).map(([key, sub]) => [key, validValue(sub, hint, key)]));
  const minProperties = num(schema.minProperties) ?? 0;
  return fc
    .record(model, { requiredKeys: required.filter((key) => key in properties) })
    .filter((value) => Object.keys(value).length >= minProperties);
}

/** Things of every JSON type, for "a wrong type". */
const ANY_TYPE: unknown[] = [
  '',
  'text',
  '5',
  'true',
  'null',
  0,
  -1,
  1.5,
  1e308,
  true,
  false,
  null,
  [],
  [1],
  {},
  { a: 1 },
];

export interface InvalidOptions {
  /** Also a string over 1 MiB, past the body limit, to reach the transport check. */
  huge?: boolean;
  /** Length of the "long" strings: well past any maxLength, but a URL or header can only hold so much. */
  long?: number;
}

/** Values the schema should refuse. */
export function invalidValue(schema: JsonSchema, options: InvalidOptions = {}): fc.Arbitrary<unknown> {
  const options_: fc.Arbitrary<unknown>[] = [fc.constantFrom(...ANY_TYPE)];
  const allowed = types(schema);
  if (Array.isArray(schema.enum)) {
    const values = schema.enum.filter((v): v is string => typeof v === 'string');
    options_.push(
      fc
        .constantFrom(...values)
        .chain((v) =>
          fc.constantFrom(v.toUpperCase(), `${v}\u0000`, ` ${v}`, `${v} `, v.slice(0, -1), `${v}x`, `${v}\u200b`),
        ),
      richString(0, 20),
    );
  }
  if (allowed.includes('string')) options_.push(invalidString(schema, options));
  if (allowed.includes('integer') || allowed.includes('number')) {
    const min = num(schema.minimum);
    const max = num(schema.maximum);
    const edges = [0, -1, 1.5, -0.5, 2 ** 31, 2 ** 53 + 2, -(2 ** 63), 1e21, 1e308, '1', 'one'];
    if (min !== undefined) edges.push(min - 1, min - 0.5);
    if (max !== undefined) edges.push(max + 1, max + 0.5);
    options_.push(fc.constantFrom(...edges), fc.integer());
  }
  if (allowed.includes('boolean')) options_.push(fc.constantFrom('true', 'false', 1, 0, 'yes', 'on'));
  if (allowed.includes('object') || schema.properties) options_.push(invalidObject(schema, options));
  if (allowed.includes('array')) options_.push(fc.constantFrom({}, 'a,b', [null], [[[]]]));
  return fc.oneof(...options_);
}

function invalidString(schema: JsonSchema, options: InvalidOptions): fc.Arbitrary<string> {
  const min = num(schema.minLength) ?? 0;
  const max = num(schema.maxLength);
  const seeds = validString(schema);
  const cases: fc.Arbitrary<string>[] = [
    fc.constantFrom('', ' ', '   \t\n', '\u00a0\u2003', '\u0000', 'a\u0000b', '@', 'a b', '..'),
    seeds.map((s) => `${s}\u0000`),
    seeds.map((s) => `\u202e${s}\ud800`),
    richString(0, 40),
  ];
  if (min > 0) cases.push(seeds.map((s) => fitLength(s, 0, min - 1, s)));
  if (max !== undefined) cases.push(seeds.map((s) => fitLength(s, max + 1, max + 1, s || 'x')));
  // Long but under the 1 MiB body limit (even as 4-byte UTF-8), so the field's own check is reached.
  const long = options.long ?? Math.min(Math.max((max ?? 1000) * 2, 60_000), 200_000);
  cases.push(fc.constantFrom('x', '😀', 'é').map((c) => c.repeat(long)));
  if (options.huge) cases.push(fc.constant('x'.repeat(1024 * 1024 + 10)));
  if (schema.format === 'email') {
    cases.push(fc.constantFrom('not-an-email', 'a@', '@b.co', 'a b@c.co', 'a@b@c.co', `${'a'.repeat(250)}@b.co`));
  }
  return fc.oneof(...cases);
}

function invalidObject(schema: JsonSchema, options: InvalidOptions): fc.Arbitrary<unknown> {
  const properties = (schema.properties as Record<string, JsonSchema> | undefined) ?? {};
  const keys = Object.keys(properties);
  const required = Array.isArray(schema.required) ? schema.required.map(String) : [];
  const valid = validObject(schema, () => undefined) as fc.Arbitrary<Record<string, unknown>>;
  const cases: fc.Arbitrary<unknown>[] = [
    fc.constantFrom(null, [], 'text', 42, true),
    valid.map((v) => [v]),
    valid.chain((v) =>
      fc.constantFrom('bogus', '__proto__', 'constructor', 'prototype', '', 'ID', ' id').map((extra) => {
        const out: Record<string, unknown> = { ...v };
        Object.defineProperty(out, extra, { value: 1, enumerable: true, writable: true, configurable: true });
        return out;
      }),
    ),
    valid.map((v) => Object.fromEntries(Object.entries(v).map(([k, x]) => [k.toUpperCase(), x]))),
    fc.constant({}),
  ];
  if (required.length > 0) {
    cases.push(
      fc.tuple(valid, fc.constantFrom(...required)).map(([v, drop]) => {
        const { [drop]: _dropped, ...rest } = v;
        return rest;
      }),
    );
  }
  if (keys.length > 0) {
    cases.push(
      fc
        .tuple(valid, fc.constantFrom(...keys))
        .chain(([v, key]) => invalidValue(properties[key] as JsonSchema, options).map((bad) => ({ ...v, [key]: bad }))),
    );
  }
  return fc.oneof(...cases);
}
