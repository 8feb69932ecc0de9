import { TokenRequest, TokenResponse } from '../../auth/auth-schemas.js';
import { PasswordReset, PasswordResetRequest, User } from '../../users/user-schemas.js';
import { Envelope, ErrorBody, NoData } from '../http-schemas.js';
import { operation } from '../operation.js';

export const tokenSchema = operation({
  operationId: 'login',
  summary: 'Log in (OAuth2 password flow, form or JSON)',
  tags: ['auth'],
  auth: 'public',
  // Never idempotent: an Idempotency-Key would store the answer, a bearer token, for a day.
  limited: true,
  consumes: ['application/x-www-form-urlencoded', 'application/json'],
  body: TokenRequest,
  responses: { 200: TokenResponse, 401: ErrorBody },
});

export const passwordResetRequestSchema = operation({
  operationId: 'requestPasswordReset',
  summary: 'Mail a password-reset code to an address (the same answer whether it has an account or not)',
  tags: ['auth'],
  auth: 'public',
  limited: true,
  body: PasswordResetRequest,
  responses: { 202: NoData, 409: ErrorBody },
});

export const passwordResetSchema = operation({
  operationId: 'resetPassword',
  summary: 'Choose a new password with the code from the reset mail (this also verifies the address)',
  tags: ['auth'],
  auth: 'public',
  limited: true,
  body: PasswordReset,
  responses: { 200: Envelope(User), 400: ErrorBody },
});
