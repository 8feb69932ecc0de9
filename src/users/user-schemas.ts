import { type Static, Type } from 'typebox';
import { userRole } from '../db/schema.js';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from '../lib/password-policy.js';
import { Id, PageQuery, Timestamp } from '../lib/schemas.js';
import { NO_NUL } from '../lib/validation.js';
import type { PublicUserRow } from './user-repository.js';
import { USERNAME_PATTERN } from './username.js';

/** The contract of accounts: what callers send and what they see. Roles come from the database enum. */
export const Role = Type.Enum(userRole.enumValues);

export const User = Type.Object({
  id: Id,
  email: Type.String({ format: 'email' }),
  username: Type.String(),
  role: Role,
  is_active: Type.Boolean(),
  created_at: Timestamp,
  updated_at: Timestamp,
});

const Username = Type.String({
  pattern: USERNAME_PATTERN,
  description:
    '3–50 letters, digits, ".", "_" or "-", letters of one script unless all ASCII (Japanese and Korean ' +
    'count as one; else a 422 `username_mixed_scripts`). Compared after NFKC and lower-casing: a name ' +
    'equal to an existing one in that form is taken.',
});
const Password = Type.String({
  minLength: MIN_PASSWORD_LENGTH,
  maxLength: MAX_PASSWORD_LENGTH,
  pattern: NO_NUL,
  description: `At least ${MIN_PASSWORD_LENGTH} characters, and not a commonly used password (a list of about 49,000, compared ignoring case: a 422 \`password_too_common\`).`,
});

export const SignUp = Type.Object(
  {
    email: Type.String({ format: 'email', maxLength: 254 }),
    username: Username,
    password: Password,
    role: Type.Optional(Type.Enum(userRole.enumValues, { description: 'Admins only; sign-up makes customers.' })),
  },
  {
    additionalProperties: false,
    examples: [{ email: 'user@example.com', username: 'newuser', password: 'secure_password' }],
  },
);

export const UserUpdate = Type.Object(
  {
    username: Type.Optional(Username),
    password: Type.Optional(Password),
    current_password: Type.Optional(
      Type.String({ maxLength: 128, pattern: NO_NUL, description: 'Required to change your own password.' }),
    ),
    role: Type.Optional(Type.Enum(userRole.enumValues, { description: 'Admins only.' })),
    is_active: Type.Optional(Type.Boolean({ description: 'Admins only.' })),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const ListUsersQuery = Type.Object({ role: Type.Optional(Role), ...PageQuery }, { additionalProperties: false });

// How rows become what callers see.

export type UserView = Static<typeof User>;

export function toUserView(row: PublicUserRow): UserView {
  return {
    id: row.id,
    email: row.email,
    username: row.username,
    role: row.role,
    is_active: row.isActive,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}
