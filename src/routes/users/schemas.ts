import { Type } from 'typebox';
import { Id } from '../../lib/schemas.js';
import { ListUsersQuery, SignUp, User, UserUpdate, VerifyEmail } from '../../users/user-schemas.js';
import { Envelope, ErrorBody, ListEnvelope, NoData } from '../http-schemas.js';
import { operation } from '../operation.js';

const UserParams = Type.Object({ user_id: Id });
const tags = ['users'];

export const createUserSchema = operation({
  operationId: 'createUser',
  summary: 'Sign up (public); admins may also create operators and admins',
  tags,
  // Anonymous sign-up, or an admin's token to create staff.
  auth: 'optional',
  idempotent: true,
  limited: true,
  body: SignUp,
  responses: { 201: Envelope(User), 400: ErrorBody, 403: ErrorBody },
});
export const meSchema = operation({
  operationId: 'getCurrentUser',
  summary: 'The logged-in user',
  tags,
  auth: 'bearer',
  responses: { 200: Envelope(User) },
});
export const getUserSchema = operation({
  operationId: 'getUser',
  summary: 'Get a user (customers: only themselves)',
  tags,
  auth: 'bearer',
  params: UserParams,
  responses: { 200: Envelope(User), 404: ErrorBody },
});
export const listUsersSchema = operation({
  operationId: 'listUsers',
  summary: 'List users (operators and admins)',
  tags,
  auth: 'bearer',
  querystring: ListUsersQuery,
  responses: { 200: ListEnvelope(User), 403: ErrorBody },
});
export const updateUserSchema = operation({
  operationId: 'updateUser',
  summary: 'Update a user (admins: role, is_active; anyone: own username and password)',
  tags,
  auth: 'bearer',
  params: UserParams,
  body: UserUpdate,
  responses: { 200: Envelope(User), 400: ErrorBody, 403: ErrorBody, 404: ErrorBody },
});
export const requestVerificationSchema = operation({
  operationId: 'requestVerificationEmail',
  summary: "Mail a verification code to the caller's own address (at most 3 an hour)",
  tags,
  auth: 'bearer',
  limited: true,
  responses: { 202: NoData, 400: ErrorBody, 409: ErrorBody },
});
export const verifyEmailSchema = operation({
  operationId: 'verifyEmail',
  summary: 'Confirm your address with the code it was mailed (signed in as the account the code is for)',
  tags,
  auth: 'bearer',
  body: VerifyEmail,
  responses: { 200: Envelope(User), 400: ErrorBody },
});
