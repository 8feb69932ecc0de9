import { type TSchema, Type } from 'typebox';
import { NOT_BLANK_NO_NUL } from '../lib/validation.js';

/** PostgreSQL `integer` ids: anything outside 1..2^31-1 cannot exist, so it is a 422, not a database error. */
export const Id = Type.Integer({ minimum: 1, maximum: 2_147_483_647 });

export const Timestamp = Type.String({ format: 'date-time', examples: ['2025-01-14T13:32:48.417Z'] });

export const Text = (minLength: number, maxLength: number, description?: string) =>
  Type.String({ minLength, maxLength, pattern: NOT_BLANK_NO_NUL, ...(description ? { description } : {}) });

export const Role = Type.Enum(['customer', 'operator', 'admin']);
export const TicketStatus = Type.Enum(['open', 'in_progress', 'closed']);

export const User = Type.Object({
  id: Id,
  email: Type.String({ format: 'email' }),
  username: Type.String(),
  role: Role,
  is_active: Type.Boolean(),
  created_at: Timestamp,
  updated_at: Timestamp,
});

export const Envelope = <T extends TSchema>(data: T) => Type.Object({ data, message: Type.String() });

export const PageMeta = Type.Object({
  next_cursor: Type.Union([Type.String(), Type.Null()], {
    description: 'Pass as `cursor` to get the next page; null on the last page.',
  }),
});

export const ListEnvelope = <T extends TSchema>(item: T) =>
  Type.Object({ data: Type.Array(item), message: Type.String(), meta: PageMeta });

export const PageQuery = {
  limit: Type.Integer({ minimum: 1, maximum: 200, default: 50, description: 'Page size.' }),
  cursor: Type.Optional(
    Type.String({ pattern: '^[A-Za-z0-9_-]{1,200}$', description: 'Opaque cursor from `meta.next_cursor`.' }),
  ),
};

export const ErrorBody = Type.Object({ detail: Type.String() });

export const ValidationErrorBody = Type.Object({
  detail: Type.Array(
    Type.Object({
      loc: Type.Array(Type.Union([Type.String(), Type.Integer()])),
      msg: Type.String(),
      type: Type.String(),
    }),
  ),
});

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
