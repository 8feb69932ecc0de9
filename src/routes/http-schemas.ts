import { type TSchema, Type } from 'typebox';
import { Id } from '../lib/schemas.js';

/**
 * The HTTP wrapping of the domains' contracts: the seed's envelope `{"data", "message"}`, its error bodies
 * `{"detail"}` and FastAPI's 422 list, and the headers and statuses every route of a kind shares.
 */

export const Envelope = <T extends TSchema>(data: T) => Type.Object({ data, message: Type.String() });

export const PageMeta = Type.Object({
  next_cursor: Type.Union([Type.String(), Type.Null()], {
    description: 'Pass as `cursor` to get the next page; null on the last page.',
  }),
});

export const ListEnvelope = <T extends TSchema>(item: T) =>
  Type.Object({ data: Type.Array(item), message: Type.String(), meta: PageMeta });

export const ErrorBody = Type.Object({ detail: Type.String() });

/** An answer with nothing to return but its message (something was accepted or sent). */
export const NoData = Type.Object({ data: Type.Null(), message: Type.String() });

/** A limit's answer: the error body, and in the document the Retry-After header it always carries. */
export const TooManyRequestsBody = Type.Object(
  { detail: Type.String() },
  {
    description: 'Too many requests: a limit was reached (see the README); retry after Retry-After seconds.',
    headers: {
      'Retry-After': Type.Integer({ minimum: 1, description: 'Seconds to wait before trying again.' }),
    },
  },
);

export const ValidationErrorBody = Type.Object({
  detail: Type.Array(
    Type.Object({
      loc: Type.Array(Type.Union([Type.String(), Type.Integer()])),
      msg: Type.String(),
      type: Type.String(),
    }),
  ),
});

/** The OpenAPI security requirement of routes that need a bearer token. */
export const bearerSecurity = [{ OAuth2PasswordBearer: [] }];
/** Routes anyone may call: an explicit empty requirement, so generated clients send no token. */
export const publicSecurity = [];

/**
 * The error responses a route can give besides its own: every route documents them, so the OpenAPI
 * document lists each status a client must handle.
 */
export function errorResponses(options: { auth: boolean }) {
  return {
    ...(options.auth ? { 401: ErrorBody } : {}),
    422: ValidationErrorBody,
    503: ErrorBody,
  };
}

/** Documented on every POST: send the same key again to retry safely (see README, "Retries"). */
export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({
      pattern: '^[\\x21-\\x7e]{1,255}$',
      description:
        'Any unique string (a UUID). The same key with the same request returns the first response ' +
        '(header Idempotency-Replayed: true) without doing it twice; with another request: 422. Kept 24 h.',
    }),
  ),
});

/** What a POST adds to its responses: 409 while a request with the same Idempotency-Key is running. */
export const idempotentResponses = { 409: ErrorBody };

/** Paths of routes about one ticket. */
export const TicketParams = Type.Object({ ticket_id: Id });
