import type { TSchema } from 'typebox';
import {
  bearerSecurity,
  ErrorBody,
  errorResponses,
  IdempotencyHeaders,
  publicSecurity,
  TooManyRequestsBody,
} from './http-schemas.js';

interface OperationSpec {
  operationId: string;
  summary: string;
  tags: string[];
  /** `bearer`: a token is required; `optional`: anonymous or a token (sign-up); `public`: no token. */
  auth: 'bearer' | 'optional' | 'public';
  /** A POST that takes an Idempotency-Key (documented header, and its 409). */
  idempotent?: boolean;
  /** A route a limit can refuse (plugins/limits.ts): its 429 and Retry-After are documented. */
  limited?: boolean;
  params?: TSchema;
  querystring?: TSchema;
  body?: TSchema;
  headers?: TSchema;
  consumes?: string[];
  /** The route's own answers; the errors every route of its kind can give are added. */
  responses: Record<number, unknown>;
}

/**
 * A route's schema: its contract (the domain's TypeBox schemas) with what every route of its kind documents
 * added in one place — the security requirement, the Idempotency-Key header and its 409, a limit's 429 with
 * Retry-After, and the 401, 422 and 503 a client must handle. The result keeps the types the TypeBox provider infers the handler from.
 */
export function operation<const Spec extends OperationSpec>(spec: Spec) {
  const { auth, idempotent, limited, responses, ...schema } = spec;
  const security = auth === 'public' ? publicSecurity : auth === 'optional' ? [...bearerSecurity, {}] : bearerSecurity;
  return {
    ...schema,
    security,
    ...(idempotent ? { headers: IdempotencyHeaders } : {}),
    response: {
      ...responses,
      ...(idempotent ? { 409: ErrorBody } : {}),
      ...(limited ? { 429: TooManyRequestsBody } : {}),
      ...errorResponses({ auth: auth !== 'public' }),
    },
  };
}
