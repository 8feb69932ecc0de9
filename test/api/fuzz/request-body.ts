import { parse as parseForm } from 'node:querystring';
import fc from 'fast-check';
import {
  encodeText,
  FORM_LIMIT,
  type GenContext,
  JSON_LIMIT,
  type Part,
  toText,
  type Verdict,
} from './fuzz-request.js';
import { type ContractValidator, type MediaSpec, type Operation, withDefaultsOptional } from './openapi-document.js';
import { invalidValue, validValue } from './schema-arbitraries.js';

/**
 * Request bodies: valid ones from the operation's media types and schemas, and broken ones (invalid values,
 * broken or pathological JSON, odd media types, a wrong Content-Length, over the size limit); and the
 * verdict on a body as the server will read it.
 */

export interface Body {
  contentType: string | undefined;
  payload: string | Buffer | undefined;
  badContentLength?: boolean;
}

const ODD_CONTENT_TYPES = [
  'text/plain',
  'application/xml',
  'application/jsonx',
  'application/vnd.api+json',
  'application/merge-patch+json',
  'multipart/form-data; boundary=xyz',
  'application/x-www-form-urlencoded',
  'application/json; charset=utf-16',
  'application/json; charset=latin1',
  'Application/JSON',
  'application/json;charset=UTF-8',
  'image/png',
  '',
  ' ',
];

/** JSON text that is broken or pathological whatever the operation. */
const BROKEN_JSON = [
  '{"a":',
  '{subject:"a"}',
  "{'a':1}",
  '{"a":1,}',
  'NaN',
  '{}{}',
  '',
  ' \n\t',
  '\u0000',
  '{"constructor":{"prototype":{"isAdmin":true}}}',
  `${'['.repeat(20_000)}${']'.repeat(20_000)}`,
  `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`,
  `{${Array.from({ length: 60_000 }, (_, i) => `"k${i}":0`).join(',')}}`,
  '1e999',
  '"\\ud800"',
  `{"x":"${'\\u0000'.repeat(1000)}"}`,
];

/** Broken JSON, and variations of a valid body that a naive parser gets wrong. */
function rawJson(valid: string): fc.Arbitrary<Body> {
  const json = 'application/json';
  const variations = [
    `${valid}\u0000`,
    `\ufeff${valid}`,
    `${valid.slice(0, -1)},"__proto__":{"isAdmin":true}}`,
    `{"__proto__":[],${valid.slice(1)}`,
    valid.replace(/^\{"([^"]+)":/, '{"$1":123,"$1":'),
  ];
  return fc.oneof(
    fc.constantFrom(...BROKEN_JSON, ...variations).map((payload) => ({ contentType: json, payload })),
    fc.constant({
      contentType: json,
      payload: Buffer.concat([Buffer.from(valid.slice(0, -2)), Buffer.from([0xff, 0xfe, 0x22, 0x7d])]),
    }),
    fc.constant({ contentType: json, payload: Buffer.from([0xc0, 0xaf, 0xed, 0xa0, 0x80]) }),
    fc.constant({ contentType: json, payload: undefined }),
    fc.constant({ contentType: undefined, payload: undefined }),
  );
}

function serialize(media: MediaSpec, value: unknown): Body {
  if (
    media.mediaType === 'application/x-www-form-urlencoded' &&
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value)
  ) {
    const pairs = Object.entries(value).flatMap(([k, v]) =>
      (Array.isArray(v) ? v : [v]).map((x): [string, string] => [k, toText(x)]),
    );
    return {
      contentType: media.mediaType,
      payload: pairs.map(([k, v]) => `${encodeText(k)}=${encodeText(v)}`).join('&'),
    };
  }
  return { contentType: media.mediaType, payload: JSON.stringify(value) ?? 'null' };
}

export function bodyPart(op: Operation, ctx: GenContext): fc.Arbitrary<Part<Body>> {
  const none: Part<Body> = { value: { contentType: undefined, payload: undefined }, mutations: [] };
  if (!op.body || op.body.media.length === 0) {
    // Nothing documented: usually no body; sometimes one anyway, which the route must ignore or refuse.
    const junk = fc
      .tuple(
        fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', 'image/png'),
        fc.constantFrom('{"x":1}', '{"a":', 'a=b', '', '\u0000'),
      )
      .map(([contentType, payload]) => ({
        value: { contentType, payload },
        mutations: [`body on a route without one (${contentType})`],
      }));
    return fc.oneof({ weight: 12, arbitrary: fc.constant(none) }, { weight: 1, arbitrary: junk });
  }
  const hint = (name: string) => ctx.world.hint(op.id, 'body', name);
  return fc.constantFrom(...op.body.media).chain((media) => {
    const schema = media.schema ?? {};
    const valid = validValue(schema, hint);
    const isForm = media.mediaType === 'application/x-www-form-urlencoded';
    const broken: fc.Arbitrary<Part<Body>>[] = [
      invalidValue(schema, { long: isForm ? 1000 : undefined }).map((v) => ({
        value: serialize(media, v),
        mutations: ['body value invalid'],
      })),
      valid
        .map((v) => JSON.stringify(v) ?? '{}')
        .chain(rawJson)
        .map((value) => ({ value, mutations: ['body raw'] })),
      fc.tuple(valid, fc.constantFrom(...ODD_CONTENT_TYPES)).map(([v, contentType]) => ({
        value: { ...serialize(media, v), contentType },
        mutations: [`content-type ${JSON.stringify(contentType)}`],
      })),
      valid.map((v) => ({
        value: { ...serialize(media, v), badContentLength: true },
        mutations: ['content-length wrong'],
      })),
      invalidValue(schema, { huge: true }).map((v) => ({ value: serialize(media, v), mutations: ['body huge'] })),
      valid.map((v) => {
        const body = serialize(media, v);
        const padding = 'x'.repeat((isForm ? FORM_LIMIT : JSON_LIMIT) + 1);
        const payload = isForm
          ? `${String(body.payload)}&padding=${padding}`
          : `${String(body.payload).slice(0, -1)},"padding":"${padding}"}`;
        return { value: { ...body, payload }, mutations: ['body over the size limit'] };
      }),
    ];
    return fc.oneof(
      { weight: 12, arbitrary: valid.map((v) => ({ value: serialize(media, v), mutations: [] })) },
      { weight: 2, arbitrary: broken[0] as fc.Arbitrary<Part<Body>> },
      { weight: 1, arbitrary: fc.oneof(...broken.slice(1)) },
    );
  });
}

export function judgeBody(
  op: Operation,
  body: Body,
  validator: ContractValidator,
): { verdict: Verdict; reason: string; undocumentedMediaType: boolean } {
  const present = body.payload !== undefined && Buffer.byteLength(body.payload) > 0;
  const essence = body.contentType?.split(';')[0]?.trim().toLowerCase();
  const params =
    body.contentType
      ?.split(';')
      .slice(1)
      .map((p) => p.trim().toLowerCase()) ?? [];
  const media = op.body?.media.find((m) => m.mediaType === essence);
  // A media type is announced even for an empty body, and the server goes by it.
  const undocumentedMediaType = body.contentType !== undefined && body.payload !== undefined && !media;
  if (body.badContentLength)
    return { verdict: 'unknown', reason: 'Content-Length does not match', undocumentedMediaType };
  if (!op.body) {
    const sent = body.payload !== undefined || body.contentType !== undefined;
    return {
      verdict: sent ? 'unknown' : 'valid',
      reason: 'a body the operation does not document',
      undocumentedMediaType,
    };
  }
  if (!present) {
    if (op.body.required) return { verdict: 'invalid', reason: 'no body', undocumentedMediaType };
    return {
      verdict: body.contentType === undefined ? 'valid' : 'unknown',
      reason: 'an empty body',
      undocumentedMediaType,
    };
  }
  if (!media)
    return {
      verdict: 'invalid',
      reason: `media type ${JSON.stringify(body.contentType)} not documented`,
      undocumentedMediaType,
    };
  if (params.some((p) => p !== 'charset=utf-8'))
    return { verdict: 'unknown', reason: `media type parameters ${params.join(';')}`, undocumentedMediaType };
  const payload = body.payload as string | Buffer;
  let text: string;
  try {
    text = typeof payload === 'string' ? payload : new TextDecoder('utf-8', { fatal: true }).decode(payload);
  } catch {
    return { verdict: 'unknown', reason: 'body is not UTF-8', undocumentedMediaType };
  }
  let value: unknown;
  if (media.mediaType === 'application/x-www-form-urlencoded') {
    value = { ...parseForm(text) };
  } else {
    if (text.startsWith('\ufeff')) return { verdict: 'unknown', reason: 'a byte order mark', undocumentedMediaType };
    try {
      value = JSON.parse(text);
    } catch {
      return { verdict: 'invalid', reason: 'body is not JSON', undocumentedMediaType };
    }
    if (/"(__proto__|constructor)"\s*:/.test(text))
      return { verdict: 'invalid', reason: 'prototype keys', undocumentedMediaType };
  }
  const validate = validator.json(withDefaultsOptional(media.schema ?? {}));
  const ok = validator.check(validate, value);
  if (ok === undefined) return { verdict: 'unknown', reason: 'body too deep to check', undocumentedMediaType };
  return ok
    ? { verdict: 'valid', reason: '', undocumentedMediaType }
    : { verdict: 'invalid', reason: `body: ${validator.errorsText(validate)}`, undocumentedMediaType };
}
