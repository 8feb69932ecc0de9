import fc from 'fast-check';
import {
  encodeText,
  type FuzzRequest,
  type GenContext,
  headerSafe,
  type Part,
  toText,
  UNKNOWN_ROUTE,
  type Verdict,
} from './fuzz-request.js';
import { AUTH_VARIANTS, type AuthVariant, type CallerName } from './fuzz-world.js';
import { type HttpMethod, type Operation, parametersSchema } from './openapi-document.js';
import { type Body, bodyPart, judgeBody } from './request-body.js';
import { invalidValue, richString, validValue } from './schema-arbitraries.js';

/**
 * One request per generated value: an operation of the document (or an unknown route), a caller, an
 * Authorization header, path, query, headers and body, each either valid or broken in one way. The verdict
 * (is this request valid per the document?) is computed from what is actually sent, with Ajv, not assumed.
 */

const oneOrMore = <T>(weightValid: number, valid: fc.Arbitrary<T>, invalid: fc.Arbitrary<T>[]) =>
  invalid.length === 0
    ? valid
    : fc.oneof({ weight: weightValid, arbitrary: valid }, { weight: 1, arbitrary: fc.oneof(...invalid) });
// ---------------------------------------------------------------------------------------------------- path

/** Path segments that are broken as text rather than as values: escapes, NUL, length, other scripts. */
const RAW_SEGMENTS = [
  '%00',
  '1%00',
  '%',
  '%zz',
  '%E0%A4%A',
  '%ED%A0%80',
  '9'.repeat(300),
  '1'.repeat(201),
  '%20',
  '1%20',
  '%2B1',
  '0x10',
  '1e3',
  '%D9%A1',
  '%F0%9F%98%80',
  '1%2F2',
  '-0',
  'null',
  'undefined',
  '%C0%AE',
];

function pathPart(op: Operation, ctx: GenContext): fc.Arbitrary<Part<Record<string, string>>> {
  const params = op.parameters.filter((p) => p.in === 'path');
  if (params.length === 0) return fc.constant({ value: {}, mutations: [] });
  const hint = (name: string) => ctx.world.hint(op.id, 'path', name);
  const validOne = (name: string) => {
    const spec = params.find((p) => p.name === name);
    return validValue(spec?.schema ?? {}, hint, name).map((v) => encodeText(toText(v)));
  };
  const independent = fc.record(Object.fromEntries(params.map((p) => [p.name, validOne(p.name)])));
  const examples = ctx.world.pathExamples.get(op.path) ?? [];
  const valid =
    examples.length > 0
      ? fc.oneof(
          independent,
          fc
            .constantFrom(...examples)
            .map((e) => Object.fromEntries(Object.entries(e).map(([k, v]) => [k, String(v)]))),
        )
      : independent;
  const siblings = staticSiblings(op, ctx.operations);
  const broken = fc.tuple(valid, fc.constantFrom(...params)).chain(([values, param]) =>
    fc
      .oneof(
        invalidValue(param.schema, { long: 500 }).map((v) => encodeText(toText(v))),
        fc.constantFrom(...RAW_SEGMENTS),
        richString(1, 12).map(encodeText),
      )
      .filter((raw) => usableSegment(raw, siblings.get(param.name)))
      .map((raw) => ({
        value: { ...values, [param.name]: raw },
        mutations: [`path ${param.name}=${raw.slice(0, 40)}`],
      })),
  );
  return oneOrMore(
    8,
    valid.map((value) => ({ value, mutations: [] })),
    [broken],
  );
}

/**
 * A segment that still routes to this operation: not empty, not a dot segment (URL parsing would remove
 * it), and not a static sibling (`/api/users/me` is another operation than `/api/users/{user_id}`).
 */
function usableSegment(raw: string, siblings: Set<string> | undefined): boolean {
  if (raw === '') return false;
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    return true;
  }
  if (/^(\.|%2e){1,2}$/i.test(raw) || decoded === '.' || decoded === '..') return false;
  return !siblings?.has(decoded);
}

/** For each path parameter, the literal segments other operations have in its place. */
function staticSiblings(op: Operation, operations: Operation[]): Map<string, Set<string>> {
  const mine = op.path.split('/');
  const out = new Map<string, Set<string>>();
  mine.forEach((segment, i) => {
    const name = /^\{(.+)\}$/.exec(segment)?.[1];
    if (!name) return;
    const set = new Set<string>();
    for (const other of operations) {
      const theirs = other.path.split('/');
      if (theirs.length !== mine.length || !mine.slice(0, i).every((s, j) => s === theirs[j])) continue;
      const literal = theirs[i] ?? '';
      if (!literal.startsWith('{')) set.add(literal);
    }
    out.set(name, set);
  });
  return out;
}

// --------------------------------------------------------------------------------------------------- query

type Pairs = [key: string, value: string][];

const RAW_QUERY_VALUES = ['%00', '%', '%zz', '%ED%A0%80', '%E0%A4%A', '', '+', '%20', '1e400', 'Infinity', 'NaN', '-0'];

function queryPart(op: Operation, ctx: GenContext): fc.Arbitrary<Part<Pairs>> {
  const params = op.parameters.filter((p) => p.in === 'query');
  const hint = (name: string) => ctx.world.hint(op.id, 'query', name);
  const entries = params.map((p) => {
    const value = validValue(p.schema, hint, p.name).map((v): Pairs => [[encodeText(p.name), encodeText(toText(v))]]);
    return p.required ? value : fc.oneof(value, fc.constant<Pairs>([]));
  });
  const valid = (entries.length > 0 ? fc.tuple(...entries) : fc.constant<Pairs[]>([])).map((lists) => lists.flat());
  const names = params.map((p) => p.name);
  const broken: fc.Arbitrary<Part<Pairs>>[] = [
    fc
      .tuple(
        valid,
        fc.constantFrom('bogus', '__proto__', 'constructor', 'a[b]', 'LIMIT', '', 'cursor[]'),
        richString(0, 8),
      )
      .map(([pairs, key, value]) => ({
        value: [...pairs, [encodeText(key), encodeText(value)]] as Pairs,
        mutations: [`query unknown ${key}`],
      })),
  ];
  if (params.length > 0) {
    broken.push(
      fc.tuple(valid, fc.constantFrom(...params)).chain(([pairs, param]) =>
        fc
          .oneof(
            invalidValue(param.schema, { long: 3000 }).map((v) => encodeText(toText(v))),
            fc.constantFrom(...RAW_QUERY_VALUES),
            validValue(param.schema, hint, param.name).map(
              (v) => `${encodeText(toText(v))}&${encodeText(param.name)}=1`,
            ),
          )
          .map((raw) => ({
            value: [...pairs.filter(([k]) => k !== encodeText(param.name)), [encodeText(param.name), raw]] as Pairs,
            mutations: [`query ${param.name}=${raw.slice(0, 40)}`],
          })),
      ),
      fc.tuple(valid, fc.constantFrom(...names)).map(([pairs, name]) => ({
        value: [...pairs, ...pairs.filter(([k]) => k === encodeText(name))],
        mutations: [`query ${name} repeated`],
      })),
    );
  }
  return oneOrMore(
    8,
    valid.map((value) => ({ value, mutations: [] })),
    broken,
  );
}

/**
 * The query string as fast-querystring (Fastify's parser) reads it: pairs split on `&` and the first `=`,
 * `+` is a space, an escape that does not decode is kept as it is, and a repeated key makes an array.
 */
function readQuery(query: string): Record<string, unknown> {
  const out: Record<string, unknown> = Object.create(null);
  const decode = (text: string) => {
    const spaced = text.replaceAll('+', ' ');
    try {
      return decodeURIComponent(spaced);
    } catch {
      return spaced;
    }
  };
  for (const pair of query.split('&')) {
    const at = pair.indexOf('=');
    if (at < 0 && pair === '') continue;
    const key = decode(at < 0 ? pair : pair.slice(0, at));
    const value = at < 0 ? '' : decode(pair.slice(at + 1));
    const previous = out[key];
    out[key] = previous === undefined ? value : Array.isArray(previous) ? [...previous, value] : [previous, value];
  }
  return out;
}

// ------------------------------------------------------------------------------------------------- headers

/** Headers besides Authorization: documented header parameters, and odd ones every route must shrug off. */
function headerPart(op: Operation, ctx: GenContext): fc.Arbitrary<Part<Record<string, string>>> {
  const params = op.parameters.filter((p) => p.in === 'header');
  const hint = (name: string) => ctx.world.hint(op.id, 'header', name);
  const documented = params.map((p) => {
    const value = validValue(p.schema, hint, p.name).map((v) => headerSafe(toText(v)));
    const entry = value.map((v): [string, string][] => [[p.name.toLowerCase(), v]]);
    return p.required
      ? entry
      : fc.oneof({ weight: 2, arbitrary: fc.constant<[string, string][]>([]) }, { weight: 1, arbitrary: entry });
  });
  const valid = (documented.length > 0 ? fc.tuple(...documented) : fc.constant([])).map(
    (lists): Record<string, string> => Object.fromEntries(lists.flat()),
  );
  const odd = fc.constantFrom<[string, string]>(
    ['x-request-id', 'a'.repeat(200)],
    ['x-request-id', '../../etc/passwd\tx'],
    ['x-forwarded-for', '127.0.0.1, 10.0.0.1'],
    ['accept', 'text/html'],
    ['accept', 'application/xml;q=1, */*;q=0'],
    ['accept-encoding', 'gzip, br, zstd, x-unknown'],
    ['accept-language', 'ar-SA, he;q=0.9'],
    ['if-match', '"1"'],
    ['if-match', '*'],
    ['if-none-match', 'W/"1"'],
    ['idempotency-key', 'fuzz-key'],
    ['idempotency-key', ''],
    ['idempotency-key', 'k'.repeat(300)],
    ['idempotency-key', 'ключ'],
    ['origin', 'https://evil.example'],
    ['cookie', 'session=1; __proto__=x'],
    ['x-http-method-override', 'DELETE'],
    ['range', 'bytes=0-1'],
  );
  const broken: fc.Arbitrary<Part<Record<string, string>>>[] = [
    fc.tuple(valid, odd).map(([headers, [name, value]]) => ({
      value: { ...headers, [name]: headerSafe(value) },
      mutations: [`header ${name}`],
    })),
  ];
  for (const p of params) {
    broken.push(
      fc.tuple(valid, invalidValue(p.schema, { long: 2000 })).map(([headers, bad]) => ({
        value: { ...headers, [p.name.toLowerCase()]: headerSafe(toText(bad)) },
        mutations: [`header ${p.name} invalid`],
      })),
    );
  }
  return oneOrMore(
    6,
    valid.map((value) => ({ value, mutations: [] })),
    broken,
  );
}
// ----------------------------------------------------------------------------------------------- assembly

const callerArb = fc.oneof(
  { weight: 3, arbitrary: fc.constant<CallerName>('owner') },
  { weight: 2, arbitrary: fc.constant<CallerName>('operator') },
  { weight: 2, arbitrary: fc.constant<CallerName>('admin') },
  { weight: 1, arbitrary: fc.constant<CallerName>('stranger') },
  { weight: 2, arbitrary: fc.constant<CallerName>('anonymous') },
);
const oddAuth = Object.keys(AUTH_VARIANTS).filter((v) => v !== 'token') as AuthVariant[];
const authArb = fc.oneof(
  { weight: 6, arbitrary: fc.constant<AuthVariant>('token') },
  { weight: 1, arbitrary: fc.constantFrom(...oddAuth) },
);
/** Client addresses: mostly all different, some from two busy clients so the login rate limit is reached. */
const addressArb = fc.oneof(
  { weight: 4, arbitrary: fc.ipV4() },
  { weight: 1, arbitrary: fc.ipV6() },
  { weight: 2, arbitrary: fc.constantFrom('127.0.0.1', '10.0.0.7') },
);

export function operationArbitrary(op: Operation, ctx: GenContext): fc.Arbitrary<FuzzRequest> {
  return fc
    .record({
      caller: callerArb,
      auth: authArb,
      path: pathPart(op, ctx),
      query: queryPart(op, ctx),
      headers: headerPart(op, ctx),
      body: bodyPart(op, ctx),
      remoteAddress: addressArb,
    })
    .map((parts) => assemble(op, parts, ctx));
}

function assemble(
  op: Operation,
  parts: {
    caller: CallerName;
    auth: AuthVariant;
    path: Part<Record<string, string>>;
    query: Part<Pairs>;
    headers: Part<Record<string, string>>;
    body: Part<Body>;
    remoteAddress: string;
  },
  ctx: GenContext,
): FuzzRequest {
  const { validator } = ctx;
  const why: string[] = [];
  const verdicts: Verdict[] = [];
  const judge = (verdict: Verdict, reason: string) => {
    verdicts.push(verdict);
    if (verdict !== 'valid') why.push(reason);
  };

  // Path: decoded as the router does; an undecodable escape never reaches the route.
  let malformedUrl = false;
  let longParam = false;
  const pathValues: Record<string, string> = {};
  for (const [name, raw] of Object.entries(parts.path.value)) {
    if (raw.length > 200) longParam = true;
    try {
      pathValues[name] = decodeURIComponent(raw);
    } catch {
      malformedUrl = true;
    }
  }
  if (malformedUrl || longParam) judge('invalid', 'path not routable');
  else {
    const validate = validator.text(parametersSchema(op, 'path'));
    judge(
      validator.check(validate, pathValues) === true ? 'valid' : 'invalid',
      `path: ${validator.errorsText(validate)}`,
    );
  }

  const pairs = parts.query.value;
  const queryString = pairs.map(([k, v]) => `${k}=${v}`).join('&');
  const query = readQuery(queryString);
  const known = new Set(op.parameters.filter((p) => p.in === 'query').map((p) => p.name));
  const validateQuery = validator.text(parametersSchema(op, 'query'));
  if (validator.check(validateQuery, { ...query }) !== true)
    judge('invalid', `query: ${validator.errorsText(validateQuery)}`);
  else if (Object.keys(query).some((k) => !known.has(k)))
    judge('unknown', 'a query parameter the document does not name');
  else judge('valid', '');

  const headerValues = Object.fromEntries(Object.entries(parts.headers.value).map(([k, v]) => [k.toLowerCase(), v]));
  const validateHeaders = validator.text(parametersSchema(op, 'header'));
  judge(
    validator.check(validateHeaders, headerValues) === true ? 'valid' : 'invalid',
    `headers: ${validator.errorsText(validateHeaders)}`,
  );

  const body = parts.body.value;
  const bodyVerdict = judgeBody(op, body, validator);
  judge(bodyVerdict.verdict, bodyVerdict.reason);

  const headers: Record<string, string> = { ...parts.headers.value };
  if (body.contentType !== undefined) headers['content-type'] = body.contentType;
  const bodyBytes = body.payload === undefined ? 0 : Buffer.byteLength(body.payload);
  if (body.badContentLength && body.payload !== undefined)
    headers['content-length'] = String(Math.max(0, bodyBytes - 3));

  const url =
    op.path.replace(/\{([^}]+)\}/g, (_, name: string) => parts.path.value[name] ?? '') +
    (queryString === '' ? '' : `?${queryString}`);

  const verdict: Verdict = verdicts.includes('invalid')
    ? 'invalid'
    : verdicts.includes('unknown')
      ? 'unknown'
      : 'valid';
  return {
    operation: op.id,
    method: op.method,
    url,
    caller: parts.caller,
    auth: parts.caller === 'anonymous' && parts.auth === 'token' ? 'absent' : parts.auth,
    headers,
    payload: body.payload,
    remoteAddress: parts.remoteAddress,
    mutations: [...parts.path.mutations, ...parts.query.mutations, ...parts.headers.mutations, ...parts.body.mutations],
    verdict,
    why,
    transport: {
      malformedUrl,
      longParam,
      badContentLength: body.badContentLength === true && body.payload !== undefined,
      bodyBytes,
      undocumentedMediaType: bodyVerdict.undocumentedMediaType,
    },
  };
}
// -------------------------------------------------------------------------------------------- unknown routes

/** Requests to routes that do not exist (a path, or a method on a known path): the answer is 404. */
export function unknownRouteArbitrary(operations: Operation[]): fc.Arbitrary<FuzzRequest> {
  const templates = operations.map((op) => ({
    method: op.method,
    regex: new RegExp(`^${op.path.replace(/\{[^}]+\}/g, '[^/]+')}/?$`),
  }));
  const routed = (method: string, path: string) => templates.some((t) => t.method === method && t.regex.test(path));
  const segment = fc.stringMatching(/^[a-z0-9_-]{1,12}$/);
  const invented = fc
    .tuple(
      fc.constantFrom<HttpMethod>('GET', 'POST', 'PUT', 'DELETE', 'PATCH'),
      fc.array(segment, { minLength: 1, maxLength: 4 }),
    )
    .map(([method, segments]) => ({ method, path: `/api/${segments.join('/')}` }));
  const wrongMethod = fc
    .tuple(fc.constantFrom(...operations), fc.constantFrom<HttpMethod>('PUT', 'DELETE', 'PATCH', 'POST'))
    .map(([op, method]) => ({ method, path: op.path.replace(/\{[^}]+\}/g, '1') }));
  const outside = fc.constantFrom(
    { method: 'GET' as HttpMethod, path: '/' },
    { method: 'GET' as HttpMethod, path: '/api' },
    { method: 'GET' as HttpMethod, path: '/nothing' },
    { method: 'GET' as HttpMethod, path: `/api/${'x'.repeat(5000)}` },
    { method: 'POST' as HttpMethod, path: '/api/tickets/1/close' },
  );
  return fc
    .tuple(fc.oneof(invented, wrongMethod, outside), callerArb, addressArb)
    .filter(([{ method, path }]) => !routed(method, path) && !/^\/api\/(docs|openapi\.json)(\/|$)/.test(path))
    .map(
      ([{ method, path }, caller, remoteAddress]): FuzzRequest => ({
        operation: UNKNOWN_ROUTE,
        method,
        url: path,
        caller,
        auth: caller === 'anonymous' ? 'absent' : 'token',
        headers: method === 'GET' ? {} : ({ 'content-type': 'application/json' } as Record<string, string>),
        payload: method === 'GET' ? undefined : '{}',
        remoteAddress,
        mutations: [],
        verdict: 'unknown',
        why: ['no such route'],
        transport: {
          malformedUrl: false,
          longParam: false,
          badContentLength: false,
          bodyBytes: 0,
          undocumentedMediaType: false,
        },
      }),
    );
}
