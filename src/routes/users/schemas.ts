import { Type } from 'typebox';
import { NO_NUL } from '../../lib/validation.js';
import { USERNAME_PATTERN } from '../../users/username.js';
import {
  Envelope,
  ErrorBody,
  errorResponses,
  Id,
  IdempotencyHeaders,
  idempotentResponses,
  ListEnvelope,
  PageQuery,
  Role,
  User,
} from '../shared-schemas.js';

const Username = Type.String({ pattern: USERNAME_PATTERN, description: '3–50 letters, digits, ".", "_" or "-".' });
const Password = Type.String({ minLength: 8, maxLength: 128, pattern: NO_NUL });

export const CreateUserBody = Type.Object(
  {
    email: Type.String({ format: 'email', maxLength: 254 }),
    username: Username,
    password: Password,
    role: Type.Optional(Type.Union([Role], { description: 'Admins only; sign-up makes customers.' })),
  },
  {
    additionalProperties: false,
    examples: [{ email: 'user@example.com', username: 'newuser', password: 'secure_password' }],
  },
);

export const UpdateUserBody = Type.Object(
  {
    username: Type.Optional(Username),
    password: Type.Optional(Password),
    current_password: Type.Optional(
      Type.String({ maxLength: 128, pattern: NO_NUL, description: 'Required to change your own password.' }),
    ),
    role: Type.Optional(Type.Union([Role], { description: 'Admins only.' })),
    is_active: Type.Optional(Type.Boolean({ description: 'Admins only.' })),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const UserParams = Type.Object({ user_id: Id });
export const ListUsersQuery = Type.Object({ role: Type.Optional(Role), ...PageQuery }, { additionalProperties: false });

const withErrors = errorResponses({ auth: true });

export const createUserSchema = {
  summary: 'Sign up (public); admins may also create operators and admins',
  tags: ['users'],
  body: CreateUserBody,
  headers: IdempotencyHeaders,
  response: { ...idempotentResponses, 201: Envelope(User), 400: ErrorBody, 403: ErrorBody, ...withErrors },
};
export const meSchema = {
  summary: 'The logged-in user',
  tags: ['users'],
  response: { 200: Envelope(User), ...withErrors },
};
export const getUserSchema = {
  summary: 'Get a user (customers: only themselves)',
  tags: ['users'],
  params: UserParams,
  response: { 200: Envelope(User), 404: ErrorBody, ...withErrors },
};
export const listUsersSchema = {
  summary: 'List users (operators and admins)',
  tags: ['users'],
  querystring: ListUsersQuery,
  response: { 200: ListEnvelope(User), 403: ErrorBody, ...withErrors },
};
export const updateUserSchema = {
  summary: 'Update a user (admins: role, is_active; anyone: own username and password)',
  tags: ['users'],
  params: UserParams,
  body: UpdateUserBody,
  response: { 200: Envelope(User), 400: ErrorBody, 403: ErrorBody, 404: ErrorBody, ...withErrors },
};
