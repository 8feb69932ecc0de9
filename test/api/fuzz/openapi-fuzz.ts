import fc from 'fast-check';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { FORM_LIMIT, type FuzzRequest, type GenContext, JSON_LIMIT, UNKNOWN_ROUTE } from './fuzz-request.js';
import { AUTH_VARIANTS, type FuzzWorld } from './fuzz-world.js';
import { ContractValidator, type JsonSchema, type Operation, readOperations } from './openapi-document.js';
import { operationArbitrary, unknownRouteArbitrary } from './request-arbitraries.js';

/**
 * A property-based fuzzer driven by the app's own OpenAPI document. For every operation it generates valid
 * and broken requests (see request-arbitraries.ts), sends them with `app.inject` as different callers, and
 * checks every answer:
 *
 * 1. the status is below 500;
 * 2. the status is documented for the operation (or is one of the transport errors below, in exactly the
 *    situation that causes it), and the body matches the schema documented for that status;
 * 3. where a token is required, a missing or broken one is a 401, whatever else is wrong with the request;
 * 4. a request the document calls invalid never succeeds (no 2xx); one it calls valid is never refused as
 *    malformed (no 413, 415, or 422 other than the semantic ones named below).
 *
 * Runs never stop at a failure: every failure is collected with the run index that regenerates it
 * (`fuzzOpenApi({ seed, path: String(index) })`, `npm run fuzz -- --seed N --replay INDEX`).
 *
 * Coverage notes. Every operation of the document is fuzzed, the attachment download included: its 200 is
 * `application/octet-stream` (`format: binary`, any bytes), so for it only the media type is checked; its
 * errors are checked like any other. Routes the document hides (/api/openapi.json, /api/docs: Swagger UI's
 * files) are not operations and are not fuzzed; HEAD and OPTIONS are not sent. Requests go one at a time, so
 * races (the Idempotency-Key 409 "still running") are out of reach here.
 */

export interface FuzzOptions {
  app: FastifyInstance;
  world: FuzzWorld;
  seed: number;
  runs: number;
  /** Replay one request: the run index a failure reported. */
  path?: string;
  onProgress?: (done: number) => void;
  /** Every request and its answer, after the checks (`problems` empty: it passed). */
  onResult?: (index: number, request: FuzzRequest, response: LightMyRequestResponse, problems: string[]) => void;
}

export interface FuzzFailure {
  index: number;
  seed: number;
  request: FuzzRequest;
  status: number;
  body: string;
  problems: string[];
}

export interface FuzzReport {
  seed: number;
  runs: number;
  durationMs: number;
  /** Of which waiting for the app (the rest: generating requests and checking answers). */
  injectMs: number;
  operations: string[];
  perOperation: Map<string, { requests: number; statuses: Map<number, number> }>;
  statuses: Map<number, number>;
  verdicts: Map<string, number>;
  slowest: { index: number; operation: string; ms: number }[];
  failures: FuzzFailure[];
}

/** The API's error convention (README): every error body is `{"detail": …}`. */
const ERROR_BODY: JsonSchema = {
  type: 'object',
  required: ['detail'],
  properties: { detail: { type: 'string' } },
};

/**
 * Statuses an operation may answer without documenting them, each only in the situation that causes it:
 *
 * - 404: a route that does not exist (the fuzzer's "unknown route" requests); no operation can document it.
 * - 400 "Malformed URL" / 414: the router refuses a URL whose %-escapes do not decode, or a path segment
 *   over its 200-character limit, before any route (hence any operation's document) is chosen.
 * - 400 "Invalid Content-Length": the header disagrees with the body; HTTP framing, not the operation.
 * - 413: a body over the 1 MiB limit (16 KiB for the login form); the transport refuses it unread, even
 *   when its fields are valid (the login form's documented fields can, percent-encoded, exceed 16 KiB).
 * - 415: a body in a media type the operation does not document; refused before it is parsed.
 *
 * 429 is not here: the one rate-limited route (login) documents it, so elsewhere it is a failure.
 */
function transportExemption(request: FuzzRequest, status: number): string | undefined {
  const t = request.transport;
  if (status === 404 && request.operation === UNKNOWN_ROUTE) return 'unknown route';
  if (status === 400 && t.malformedUrl) return 'malformed URL';
  if (status === 414 && t.longParam) return 'path segment too long';
  if (status === 400 && t.badContentLength) return 'Content-Length mismatch';
  const form = /x-www-form-urlencoded/i.test(request.headers['content-type'] ?? '');
  if (status === 413 && (t.bodyBytes > JSON_LIMIT || (form && t.bodyBytes > FORM_LIMIT))) return 'body too large';
  if (status === 415 && t.undocumentedMediaType) return 'undocumented media type';
  if (status === 415 && request.payload !== undefined && request.headers['content-type'] === undefined) {
    return 'body without a media type';
  }
  return undefined;
}

/** Documented response for a status: exact code, then "4XX", then "default". */
function documented(op: Operation, status: number) {
  return op.responses.get(String(status)) ?? op.responses.get(`${String(status)[0]}XX`) ?? op.responses.get('default');
}

/** What the checks read of a response (so they can be tried on made-up answers too). */
export type Answer = Pick<LightMyRequestResponse, 'statusCode' | 'headers' | 'body'>;

export class ResponseChecker {
  constructor(
    private readonly operations: Map<string, Operation>,
    private readonly validator: ContractValidator,
  ) {}

  check(request: FuzzRequest, response: Answer): string[] {
    const problems: string[] = [];
    const status = response.statusCode;
    if (status >= 500) problems.push(`status ${status} (a server error)`);
    const op = this.operations.get(request.operation);
    const exemption = transportExemption(request, status);

    if (request.operation === UNKNOWN_ROUTE) {
      if (status !== 404) problems.push(`unknown route answered ${status}, not 404`);
      this.matchBody(response, ERROR_BODY, problems);
      return problems;
    }
    if (!op) return [`no operation ${request.operation}`];

    const media = documented(op, status);
    if (media) {
      this.checkMedia(response, media, problems);
    } else if (exemption) {
      this.matchBody(response, ERROR_BODY, problems);
    } else if (status < 500) {
      problems.push(
        `status ${status} is not documented for ${op.id} (documented: ${[...op.responses.keys()].join(', ')})`,
      );
    }

    const routerRefused =
      (status === 400 && request.transport.malformedUrl) || (status === 414 && request.transport.longParam);
    const authClass = AUTH_VARIANTS[request.auth];
    const headerSent = request.auth !== 'absent';
    const mustBe401 =
      (op.auth === 'required' && authClass === 'broken') ||
      (op.auth === 'optional' && headerSent && authClass === 'broken');
    if (mustBe401 && status !== 401 && !routerRefused && !(status === 400 && request.transport.badContentLength)) {
      problems.push(`Authorization "${request.auth}" on an operation that needs a token answered ${status}, not 401`);
    }
    const authenticated =
      op.auth === 'none' ||
      (op.auth === 'optional' && !headerSent) ||
      (authClass === 'valid' && request.caller !== 'anonymous');
    if (authenticated && request.verdict === 'invalid' && status < 300) {
      problems.push(`an invalid request (${request.why.join('; ')}) succeeded with ${status}`);
    }
    if (
      authenticated &&
      request.verdict === 'valid' &&
      [413, 415, 422].includes(status) &&
      exemption !== 'body too large' &&
      !this.semantic422(response)
    ) {
      problems.push(`a valid request was refused with ${status}: ${response.body.slice(0, 300)}`);
    }
    return problems;
  }

  /**
   * 422s a request valid per the schemas can still earn, because what they check is not a schema's to say:
   * a cursor that matches its pattern but was never issued (decoded after validation), an
   * Idempotency-Key reused for another request (the header's documented behaviour), a new password on
   * the list of common ones, a username mixing scripts, a group member who is not active staff (all
   * documented in the field's description), a group id that does not exist, more than 20 tags once added
   * to a ticket's, a merge the tickets refuse, `sort_by=relevance` without `q`, a webhook URL that leads to
   * a private address or a secret that does not decode to 24–64 bytes, an SLA policy's business hours with
   * a time zone Intl does not know or an end before the start, or more minutes than a year of those hours.
   */
  private semantic422(response: Answer): boolean {
    if (response.statusCode !== 422) return false;
    const body = parseJson(response.body);
    const detail = isRecord(body) ? body.detail : undefined;
    const semantic = (d: unknown) =>
      isRecord(d) &&
      Array.isArray(d.loc) &&
      ((d.loc[0] === 'query' && d.loc[1] === 'cursor') ||
        (d.loc[0] === 'header' && d.loc[1] === 'idempotency-key' && d.type === 'idempotency_key_reused') ||
        (d.loc[0] === 'body' && d.loc[1] === 'password' && d.type === 'password_too_common') ||
        (d.loc[0] === 'body' && d.loc[1] === 'username' && d.type === 'username_mixed_scripts') ||
        (d.loc[0] === 'body' && d.loc[1] === 'user_ids' && typeof d.loc[2] === 'number' && d.type === 'value_error') ||
        (d.loc[0] === 'body' && d.loc[1] === 'group_id' && d.type === 'group_not_found') ||
        (d.loc[0] === 'body' && d.type === 'too_many_tags') ||
        (d.loc[0] === 'body' && d.loc[1] === 'into_ticket_id' && d.type === 'merge_refused') ||
        (d.loc[0] === 'query' && d.loc[1] === 'sort_by' && d.type === 'value_error') ||
        (d.loc[0] === 'body' && d.loc[1] === 'business_hours' && d.type === 'value_error') ||
        (d.loc[0] === 'body' &&
          (d.loc[1] === 'first_response_minutes' || d.loc[1] === 'resolution_minutes') &&
          d.type === 'value_error') ||
        (d.loc[0] === 'body' && (d.loc[1] === 'url' || d.loc[1] === 'secret') && d.type === 'value_error'));
    return Array.isArray(detail) && detail.length > 0 && detail.every(semantic);
  }

  private checkMedia(
    response: Answer,
    media: { mediaType: string; schema: JsonSchema | undefined }[],
    problems: string[],
  ) {
    if (media.length === 0) return;
    const contentType = String(response.headers['content-type'] ?? '');
    const essence = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
    const spec = media.find((m) => m.mediaType === essence);
    if (!spec) {
      problems.push(`content-type "${contentType}" is not documented (${media.map((m) => m.mediaType).join(', ')})`);
      return;
    }
    if (/json/.test(essence) && spec.schema) this.matchBody(response, spec.schema, problems);
    // Binary media (the attachment download) is documented as `type: string, format: binary`: any bytes.
  }

  private matchBody(response: Answer, schema: JsonSchema, problems: string[]) {
    const body = parseJson(response.body);
    if (body === undefined) {
      problems.push(`body is not JSON: ${JSON.stringify(response.body.slice(0, 200))}`);
      return;
    }
    const validate = this.validator.json(schema);
    if (this.validator.check(validate, body) !== true) {
      problems.push(`body does not match the documented schema: ${this.validator.errorsText(validate)}`);
    }
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export async function loadDocument(app: FastifyInstance): Promise<unknown> {
  const response = await app.inject({ method: 'GET', url: '/api/openapi.json' });
  if (response.statusCode !== 200) throw new Error(`GET /api/openapi.json answered ${response.statusCode}`);
  return response.json();
}

/** Real cursors, so list requests page for real instead of only failing to decode invented ones. */
async function harvestCursors(app: FastifyInstance, world: FuzzWorld, operations: Operation[]) {
  const authorization = world.authorization('admin', 'token') ?? '';
  for (const op of operations) {
    if (op.method !== 'GET' || !op.parameters.some((p) => p.in === 'query' && p.name === 'cursor')) continue;
    const path = op.path.replace(/\{([^}]+)\}/g, (_, name: string) =>
      String(world.pools[name.replace(/_id$/, '')]?.[0] ?? 1),
    );
    const cursors: string[] = [];
    let url = `${path}?limit=1`;
    for (let page = 0; page < 3; page++) {
      const response = await app.inject({ method: 'GET', url, headers: { authorization } });
      const body = parseJson(response.body);
      const next = isRecord(body) && isRecord(body.meta) ? body.meta.next_cursor : undefined;
      if (typeof next !== 'string') break;
      cursors.push(next);
      url = `${path}?limit=1&cursor=${encodeURIComponent(next)}`;
    }
    world.cursors.set(op.id, cursors);
  }
}

async function send(app: FastifyInstance, world: FuzzWorld, request: FuzzRequest): Promise<LightMyRequestResponse> {
  const authorization = world.authorization(request.caller, request.auth);
  return app.inject({
    method: request.method,
    url: request.url,
    headers: { ...request.headers, ...(authorization === undefined ? {} : { authorization }) },
    ...(request.payload === undefined ? {} : { payload: request.payload }),
    remoteAddress: request.remoteAddress,
  });
}

/** Operations whose 200 is an endless stream. */
const STREAMING = new Set(['GET /api/events/stream']);

/** Generates and sends `runs` requests (or replays `path`), and checks each answer. */
export async function fuzzOpenApi(options: FuzzOptions): Promise<FuzzReport> {
  const { app, world, seed, runs } = options;
  const started = performance.now();
  // The live event stream answers a valid request with a response that never ends, which `app.inject` would
  // wait for for ever: it is not fuzzed here (test/api/live-events.test.ts covers it over a real listener).
  const operations = readOperations(await loadDocument(app)).filter((op) => !STREAMING.has(op.id));
  const validator = new ContractValidator();
  const ctx: GenContext = { world, validator, operations };
  await harvestCursors(app, world, operations);
  const checker = new ResponseChecker(new Map(operations.map((op) => [op.id, op])), validator);

  const arbitrary = fc.oneof(...operations.map((op) => ({ weight: 5, arbitrary: operationArbitrary(op, ctx) })), {
    weight: 1,
    arbitrary: unknownRouteArbitrary(operations),
  });

  const report: FuzzReport = {
    seed,
    runs: 0,
    durationMs: 0,
    injectMs: 0,
    operations: operations.map((op) => op.id),
    perOperation: new Map(),
    statuses: new Map(),
    verdicts: new Map(),
    slowest: [],
    failures: [],
  };
  let index = options.path === undefined ? 0 : Number(options.path.split(':')[0]);

  const property = fc.asyncProperty(arbitrary, async (request) => {
    const at = index++;
    const t0 = performance.now();
    let response: LightMyRequestResponse;
    try {
      response = await send(app, world, request);
    } catch (error) {
      report.failures.push({
        index: at,
        seed,
        request,
        status: 0,
        body: '',
        problems: [`inject threw: ${String(error)}`],
      });
      return true;
    }
    const ms = performance.now() - t0;
    report.injectMs += ms;
    record(report, request, response.statusCode, at, ms);
    const problems = checker.check(request, response);
    if (problems.length > 0) {
      report.failures.push({
        index: at,
        seed,
        request,
        status: response.statusCode,
        body: response.body.slice(0, 500),
        problems,
      });
    }
    options.onResult?.(at, request, response, problems);
    if (request.method === 'PATCH' && request.operation.includes('/api/users/') && response.statusCode < 300) {
      await world.restoreCallers();
    }
    options.onProgress?.(at + 1);
    return true;
  });
  await fc.check(property, {
    seed,
    numRuns: options.path === undefined ? runs : 1,
    ...(options.path === undefined ? {} : { path: options.path }),
  });
  report.durationMs = performance.now() - started;
  return report;
}

function record(report: FuzzReport, request: FuzzRequest, status: number, index: number, ms: number) {
  report.runs += 1;
  const entry = report.perOperation.get(request.operation) ?? { requests: 0, statuses: new Map<number, number>() };
  entry.requests += 1;
  entry.statuses.set(status, (entry.statuses.get(status) ?? 0) + 1);
  report.perOperation.set(request.operation, entry);
  report.statuses.set(status, (report.statuses.get(status) ?? 0) + 1);
  report.verdicts.set(request.verdict, (report.verdicts.get(request.verdict) ?? 0) + 1);
  report.slowest.push({ index, operation: request.operation, ms });
  report.slowest.sort((a, b) => b.ms - a.ms);
  report.slowest.length = Math.min(report.slowest.length, 5);
}

/** One failure, enough to reproduce it by hand or with `--replay`. */
export function describeFailure(failure: FuzzFailure): string {
  const r = failure.request;
  const payload =
    r.payload === undefined
      ? '(none)'
      : typeof r.payload === 'string'
        ? JSON.stringify(r.payload.length > 300 ? `${r.payload.slice(0, 300)}… (${r.payload.length} chars)` : r.payload)
        : `<${r.payload.length} bytes: ${r.payload.subarray(0, 40).toString('hex')}>`;
  return [
    `#${failure.index} (seed ${failure.seed}, replay: --seed ${failure.seed} --replay ${failure.index})`,
    `  ${r.method} ${r.url.length > 300 ? `${r.url.slice(0, 300)}…` : r.url}  [${r.operation}]`,
    `  caller ${r.caller}, Authorization ${r.auth}, from ${r.remoteAddress}, verdict ${r.verdict}${r.why.length ? ` (${r.why.join('; ')})` : ''}`,
    `  headers ${JSON.stringify(r.headers).slice(0, 300)}`,
    `  payload ${payload}`,
    `  mutations ${r.mutations.join(', ') || '(none)'}`,
    `  → ${failure.status} ${failure.body.slice(0, 300)}`,
    ...failure.problems.map((p) => `  ✗ ${p}`),
  ].join('\n');
}

export function formatReport(report: FuzzReport): string {
  const lines: string[] = [];
  const histogram = (statuses: Map<number, number>) =>
    [...statuses.entries()]
      .sort(([a], [b]) => a - b)
      .map(([s, n]) => `${s}×${n}`)
      .join(' ');
  const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  lines.push(
    `seed ${report.seed}: ${report.runs} requests in ${seconds(report.durationMs)} (${seconds(report.injectMs)} in the app)`,
  );
  lines.push(`verdicts: ${[...report.verdicts.entries()].map(([v, n]) => `${v} ${n}`).join(', ')}`);
  lines.push(`statuses: ${histogram(report.statuses)}`);
  lines.push('requests per operation:');
  for (const id of [...report.operations, UNKNOWN_ROUTE]) {
    const entry = report.perOperation.get(id);
    lines.push(
      `  ${String(entry?.requests ?? 0).padStart(6)}  ${id.padEnd(62)} ${entry ? histogram(entry.statuses) : 'NEVER SENT'}`,
    );
  }
  lines.push(`slowest: ${report.slowest.map((s) => `#${s.index} ${s.operation} ${s.ms.toFixed(0)} ms`).join('; ')}`);
  if (report.failures.length === 0) {
    lines.push('failures: none');
    return lines.join('\n');
  }
  const groups = groupFailures(report.failures);
  lines.push(`failures: ${report.failures.length}, of ${groups.length} kinds (the first of each kind shown)`);
  for (const group of groups) {
    lines.push(`[${group.failures.length}×] ${group.signature}`);
    lines.push(describeFailure(group.failures[0] as FuzzFailure));
    const more = group.failures.slice(1, 11).map((f) => f.index);
    if (more.length > 0) lines.push(`  also: #${more.join(', #')}${group.failures.length > 11 ? ', …' : ''}`);
  }
  return lines.join('\n');
}

/** Failures of the same kind: operation, status and the problems with their details left out. */
export function groupFailures(failures: FuzzFailure[]): { signature: string; failures: FuzzFailure[] }[] {
  const groups = new Map<string, FuzzFailure[]>();
  for (const failure of failures) {
    const kinds = failure.problems.map((p) => p.replace(/[:(].*$/, '').trim()).join(' + ');
    const signature = `${failure.request.operation} → ${failure.status}: ${kinds}`;
    groups.set(signature, [...(groups.get(signature) ?? []), failure]);
  }
  return [...groups.entries()].map(([signature, list]) => ({ signature, failures: list }));
}
