import { Type } from 'typebox';
import { Id } from '../../lib/schemas.js';
import { ListUsersQuery, SignUp, User, UserUpdate } from '../../users/user-schemas.js';
import {
  bearerSecurity,
  Envelope,
  ErrorBody,
  errorResponses,
  IdempotencyHeaders,
  idempotentResponses,
  ListEnvelope,
} from '../http-schemas.js';

const UserParams = Type.Object({ user_id: Id });
const withErrors = errorResponses({ auth: true });

export const createUserSchema = {
  operationId: 'createUser',
  summary: 'Sign up (public); admins may also create operators and admins',
  tags: ['users'],
  // Anonymous sign-up, or an admin's token to create staff.
  security: [...bearerSecurity, {}],
  body: SignUp,
  headers: IdempotencyHeaders,
  response: { ...idempotentResponses, 201: Envelope(User), 400: ErrorBody, 403: ErrorBody, ...withErrors },
};
export const meSchema = {
  operationId: 'getCurrentUser',
  summary: 'The logged-in user',
  tags: ['users'],
  security: bearerSecurity,
  response: { 200: Envelope(User), ...withErrors },
};
export const getUserSchema = {
  operationId: 'getUser',
  summary: 'Get a user (customers: only themselves)',
  tags: ['users'],
  security: bearerSecurity,
  params: UserParams,
  response: { 200: Envelope(User), 404: ErrorBody, ...withErrors },
};
export const listUsersSchema = {
  operationId: 'listUsers',
  summary: 'List users (operators and admins)',
  tags: ['users'],
  security: bearerSecurity,
  querystring: ListUsersQuery,
  response: { 200: ListEnvelope(User), 403: ErrorBody, ...withErrors },
};
export const updateUserSchema = {
  operationId: 'updateUser',
  summary: 'Update a user (admins: role, is_active; anyone: own username and password)',
  tags: ['users'],
  security: bearerSecurity,
  params: UserParams,
  body: UserUpdate,
  response: { 200: Envelope(User), 400: ErrorBody, 403: ErrorBody, 404: ErrorBody, ...withErrors },
};
