import { TokenRequest, TokenResponse } from '../../auth/auth-schemas.js';
import { ErrorBody } from '../http-schemas.js';
import { operation } from '../operation.js';

export const tokenSchema = operation({
  operationId: 'login',
  summary: 'Log in (OAuth2 password flow, form or JSON)',
  tags: ['auth'],
  auth: 'public',
  idempotent: true,
  limited: true,
  consumes: ['application/x-www-form-urlencoded', 'application/json'],
  body: TokenRequest,
  responses: { 200: TokenResponse, 401: ErrorBody },
});
