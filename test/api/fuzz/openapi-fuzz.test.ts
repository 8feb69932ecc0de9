import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestContext } from '../../helpers/context.js';
import type { FuzzRequest } from './fuzz-request.js';
import { FUZZ_MAIL_ENV, type FuzzWorld, seedWorld } from './fuzz-world.js';
import { ContractValidator, readOperations } from './openapi-document.js';
import {
  type Answer,
  type FuzzReport,
  formatReport,
  fuzzOpenApi,
  loadDocument,
  ResponseChecker,
} from './openapi-fuzz.js';

/**
 * The CI run of the OpenAPI fuzzer (test/api/fuzz/openapi-fuzz.ts): a fixed seed and a fixed number of requests,
 * so a failure here is the same failure on every machine; `npm run fuzz -- --runs 10000 --seed N` is the
 * long run. Bugs it found are kept below as small tests of their own.
 */

const SEED = 20_251_127;
// About 65 requests per operation: with 16 (600 over the 38 operations before webhooks), whether an admin-only route
// met a valid admin request at all was luck of the seed.
const RUNS = 3000;

let ctx: TestContext;
let world: FuzzWorld;
let report: FuzzReport;

beforeAll(async () => {
  ctx = await TestContext.create(FUZZ_MAIL_ENV);
  world = await seedWorld(ctx.app, ctx.db, ctx.config.auth.secretKey);
});
afterAll(async () => ctx.close());

describe(`OpenAPI fuzzing: ${RUNS} requests, seed ${SEED}`, () => {
  it('answers every request with a documented status and body, under 500, consistent with auth and validity', async () => {
    report = await fuzzOpenApi({ app: ctx.app, world, seed: SEED, runs: RUNS });
    expect(report.failures.length, formatReport(report)).toBe(0);
  }, 120_000);

  it('sent requests to every operation of the document, and mostly valid ones', () => {
    const never = report.operations.filter((op) => !report.perOperation.has(op));
    expect(never).toEqual([]);
    expect(report.runs).toBe(RUNS);
    expect(report.verdicts.get('valid') ?? 0).toBeGreaterThan(RUNS / 2);
    // Valid requests reached the services: successes on most operations, not only 401s and 404s.
    const succeeded = report.operations.filter((op) =>
      [...(report.perOperation.get(op)?.statuses.keys() ?? [])].some((s) => s >= 200 && s < 300),
    );
    expect(
      succeeded.length,
      report.operations
        .filter((op) => !succeeded.includes(op))
        .map((op) => `${op} ${JSON.stringify([...(report.perOperation.get(op)?.statuses.entries() ?? [])])}`)
        .join(', '),
    ).toBeGreaterThanOrEqual(report.operations.length - 3);
  });

  it('is still ready afterwards, and still serves a caller', async () => {
    const ready = await ctx.app.inject({ method: 'GET', url: '/api/health/ready' });
    expect(ready.statusCode).toBe(200);
    const me = await ctx.app.inject({
      method: 'GET',
      url: '/api/users/me',
      headers: { authorization: world.authorization('owner', 'token') ?? '' },
    });
    expect(me.statusCode).toBe(200);
  });
});

/** The checks themselves, on made-up answers: a fuzzer that passes everything would prove nothing. */
describe('the response checks', () => {
  const request = (overrides: Partial<FuzzRequest> = {}): FuzzRequest => ({
    operation: 'GET /api/tickets/{ticket_id}',
    method: 'GET',
    url: '/api/tickets/1',
    caller: 'owner',
    auth: 'token',
    headers: {},
    payload: undefined,
    remoteAddress: '192.0.2.9',
    mutations: [],
    verdict: 'valid',
    why: [],
    transport: {
      malformedUrl: false,
      longParam: false,
      badContentLength: false,
      bodyBytes: 0,
      undocumentedMediaType: false,
    },
    ...overrides,
  });
  const json = (statusCode: number, body: unknown): Answer => ({
    statusCode,
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify(body),
  });
  const cases: [label: string, request: FuzzRequest, answer: Answer, problem: string | null][] = [
    ['a documented 404', request(), json(404, { detail: 'Ticket not found' }), null],
    ['a 500', request(), json(500, { detail: 'Internal Server Error' }), 'a server error'],
    ['an undocumented status', request(), json(418, { detail: 'teapot' }), 'not documented'],
    ['a body off its schema', request(), json(200, { message: 'ok' }), 'documented schema'],
    ['an error body off its schema', request(), json(404, { error: 'x' }), 'documented schema'],
    ['a 401 without a token', request({ auth: 'absent' }), json(401, { detail: 'x' }), null],
    ['a 404 for a forged token', request({ auth: 'alg none' }), json(404, { detail: 'x' }), 'not 401'],
    ['an invalid request that succeeds', request({ verdict: 'invalid', why: ['x'] }), json(200, {}), 'succeeded'],
    ['a valid request refused', request(), json(422, { detail: [{ loc: ['path'], msg: 'x', type: 'x' }] }), 'refused'],
    ['a 413 for a small body', request(), json(413, { detail: 'x' }), 'not documented'],
    [
      'a 413 for a body over 1 MiB',
      request({ transport: { ...request().transport, bodyBytes: 2 ** 21 } }),
      json(413, { detail: 'Request body is too large' }),
      null,
    ],
    ['a 200 for an unknown route', request({ operation: 'unknown route' }), json(200, { detail: 'x' }), 'not 404'],
  ];
  let checker: ResponseChecker;
  beforeAll(async () => {
    const operations = readOperations(await loadDocument(ctx.app));
    checker = new ResponseChecker(new Map(operations.map((op) => [op.id, op])), new ContractValidator());
  });
  it.each(cases)('%s', (_label, fuzzRequest, answer, problem) => {
    const problems = checker.check(fuzzRequest, answer);
    if (problem === null) expect(problems).toEqual([]);
    else expect(problems.join('\n')).toContain(problem);
  });
});

/** Bugs the fuzzer found, reduced to one request each. */
describe('found by the fuzzer', () => {
  /**
   * "é" then a lone low surrogate (half an emoji, as a client that cuts text by UTF-16 units sends it). JSON
   * carries it ("\u00e9\udfff"), the schemas accept it, and on the embedded database the statement fails
   * with "invalid byte sequence for encoding UTF8": PGlite's protocol writer counts a string's UTF-8 length
   * backwards and, at a low surrogate, counts a whole pair and skips the unit before it as its high half.
   * When that unit is not a high surrogate but any other non-ASCII character, its extra bytes are never
   * counted, the length is short, and PostgreSQL reads a cut UTF-8 sequence. Any JSON text field that reaches
   * a query does it (subject, description, message text, the login name). On PostgreSQL (node-postgres)
   * the same text is stored with U+FFFD. Either a 2xx or a 422 is right; a 500 is not.
   */
  const halfEmoji = '\u00e9\udfff';
  const surrogateCases: [name: string, url: () => string, payload: Record<string, string>, statuses: number[]][] = [
    ['POST /api/tickets', () => '/api/tickets', { subject: halfEmoji, description: 'd' }, [201, 422]],
    [
      'POST /api/tickets (description)',
      () => '/api/tickets',
      { subject: 's', description: `Привет ${halfEmoji}` },
      [201, 422],
    ],
    [
      'POST /api/tickets/{ticket_id}/messages',
      () => `/api/tickets/${world.pools.ticket?.[0]}/messages`,
      { text: halfEmoji },
      [201, 422],
    ],
  ];
  it.each(surrogateCases)(
    '%s: text with "é" + a lone low surrogate is stored or refused, not a 500',
    async (_name, url, payload, statuses) => {
      const res = await ctx.app.inject({
        method: 'POST',
        url: url(),
        headers: { authorization: world.authorization('owner', 'token') ?? '' },
        payload,
      });
      expect(statuses, `${res.statusCode} ${res.body}`).toContain(res.statusCode);
    },
  );

  /**
   * The document says an Idempotency-Key is any string of 1 to 255 characters ("a UUID"); the server takes
   * only visible ASCII and refuses "order 42" with a 422. A client built from the document cannot know:
   * the documented schema needs the server's pattern (^[\x21-\x7e]{1,255}$), or the server must take it.
   */
  it('POST /api/tickets: an Idempotency-Key the documented schema accepts is not refused as invalid', async () => {
    const document = (await loadDocument(ctx.app)) as {
      paths: Record<string, { post: { parameters?: { in: string; name: string; schema: object }[] } }>;
    };
    const parameter = document.paths['/api/tickets']?.post.parameters?.find((p) => p.name === 'idempotency-key');
    expect(parameter).toBeDefined();
    const documentedValid = new Ajv({ strict: false }).validate(parameter?.schema ?? {}, 'order 42');
    const res = await ctx.app.inject({
      method: 'POST',
      url: '/api/tickets',
      headers: { authorization: world.authorization('owner', 'token') ?? '', 'idempotency-key': 'order 42' },
      payload: { subject: 'Printer', description: 'Broken' },
    });
    expect(res.statusCode === 422, `documented as valid: ${documentedValid}; ${res.statusCode} ${res.body}`).toBe(
      !documentedValid,
    );
  });

  it('POST /api/auth/token: a username with "é" + a lone low surrogate is a 401 or 422, not a 500', async () => {
    const res = await ctx.app.inject({
      method: 'POST',
      url: '/api/auth/token',
      payload: { username: halfEmoji, password: 'whatever' },
      remoteAddress: '192.0.2.1',
    });
    expect([401, 422], `${res.statusCode} ${res.body}`).toContain(res.statusCode);
  });

  const download = '/api/tickets/{ticket_id}/attachments/{attachment_id}';

  it('GET …/attachments/{attachment_id} documents its error answers in the media type it sends (JSON)', async () => {
    const document = (await loadDocument(ctx.app)) as {
      paths: Record<string, { get: { responses: Record<string, { content?: Record<string, unknown> }> } }>;
    };
    const responses = document.paths[download]?.get.responses ?? {};
    const res = await ctx.app.inject({
      method: 'GET',
      url: `/api/tickets/${world.pools.ticket?.[0]}/attachments/2147483647`,
      headers: { authorization: world.authorization('owner', 'token') ?? '' },
    });
    expect(res.statusCode).toBe(404);
    const sent = String(res.headers['content-type']).split(';')[0];
    expect(sent).toBe('application/json');
    // The route's `produces: ['application/octet-stream']` makes every response of it octet-stream in the
    // document, 401/404/422/503 included, while those are sent as JSON `{"detail": …}`.
    for (const status of ['401', '404', '422', '503']) {
      expect(Object.keys(responses[status]?.content ?? {}), `documented media types of ${status}`).toContain(sent);
    }
  });
});
