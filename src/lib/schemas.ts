import { type TSchema, type TSchemaOptions, Type } from 'typebox';
import { NOT_BLANK_NO_NUL } from './validation.js';

/**
 * Building blocks every domain's contract uses (its `*-schemas.ts`). The HTTP wrapping of those contracts
 * (envelopes, error bodies, headers) lives with the routes, in `routes/http-schemas.ts`.
 */

/** PostgreSQL `integer` ids: anything outside 1..2^31-1 cannot exist, so it is a 422, not a database error. */
export const Id = Type.Integer({ minimum: 1, maximum: 2_147_483_647 });

export const Timestamp = Type.String({ format: 'date-time', examples: ['2025-01-14T13:32:48.417Z'] });

export const Text = (minLength: number, maxLength: number, description?: string) =>
  Type.String({ minLength, maxLength, pattern: NOT_BLANK_NO_NUL, ...(description ? { description } : {}) });

export const Nullable = <T extends TSchema>(schema: T, options?: TSchemaOptions) =>
  Type.Union([schema, Type.Null()], options);

/** `limit` and `cursor` of every list (keyset pages, see lib/cursor.ts). */
export const PageQuery = {
  limit: Type.Integer({ minimum: 1, maximum: 200, default: 50, description: 'Page size.' }),
  cursor: Type.Optional(
    Type.String({ pattern: '^[A-Za-z0-9_-]{1,200}$', description: 'Opaque cursor from `meta.next_cursor`.' }),
  ),
};

/** A page of views and the cursor of the next one (null on the last page). */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}
