import { TokenRequest, TokenResponse } from '../../auth/auth-schemas.js';
import { ErrorBody, errorResponses, IdempotencyHeaders, idempotentResponses, publicSecurity } from '../http-schemas.js';

export const tokenSchema = {
  operationId: 'login',
  summary: 'Log in (OAuth2 password flow, form or JSON)',
  tags: ['auth'],
  security: publicSecurity,
  consumes: ['application/x-www-form-urlencoded', 'application/json'],
  body: TokenRequest,
  headers: IdempotencyHeaders,
  response: {
    ...idempotentResponses,
    200: TokenResponse,
    401: ErrorBody,
    429: ErrorBody,
    ...errorResponses({ auth: false }),
  },
};
