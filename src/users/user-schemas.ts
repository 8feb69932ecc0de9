import { type Static, Type } from 'typebox';
import { type Standing, standingOf } from '../access/caller.js';
import { userRole } from '../db/schema.js';
import { isoString } from '../lib/iso-date.js';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from '../lib/password-policy.js';
import { Id, PageQuery, Timestamp } from '../lib/schemas.js';
import { NO_NUL } from '../lib/validation.js';
import type { PublicUserRow } from './user-repository.js';
import { USERNAME_PATTERN } from './username.js';

/** The contract of accounts: what callers send and what they see. Roles come from the database enum. */
export const Role = Type.Enum(userRole.enumValues);

export const User = Type.Object({
  id: Id,
  email: Type.String({
    format: 'email',
    description:
      "The account's address. As a customer sees them, staff carry the support address instead of their own.",
  }),
  username: Type.String(),
  role: Role,
  is_active: Type.Boolean(),
  email_verified: Type.Boolean({ description: 'The account proved it owns its address (or an admin vouched).' }),
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
    email_verified: Type.Optional(
      Type.Boolean({ description: 'Admins only: vouch for the address (or withdraw it).' }),
    ),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const VerifyEmail = Type.Object(
  { token: Type.String({ pattern: '^[A-Za-z0-9_-]{20,100}$', description: 'The code from the verification mail.' }) },
  { additionalProperties: false },
);

export const PasswordResetRequest = Type.Object(
  { email: Type.String({ format: 'email', maxLength: 254 }) },
  { additionalProperties: false },
);

export const PasswordReset = Type.Object(
  {
    token: Type.String({ pattern: '^[A-Za-z0-9_-]{20,100}$', description: 'The code from the reset mail.' }),
    password: Password,
  },
  { additionalProperties: false },
);

export const ListUsersQuery = Type.Object({ role: Type.Optional(Role), ...PageQuery }, { additionalProperties: false });

// How rows become what callers see.

export type UserView = Static<typeof User>;

/**
 * Who a view is for. A customer never sees a staff account's own address (knowing it makes forging mail as
 * staff easy): staff appear to customers with the support address, `staffEmail`.
 */
export interface Viewer {
  standing: Standing;
  staffEmail: string;
}

export function toUserView(row: PublicUserRow, viewer?: Viewer): UserView {
  const masked = viewer?.standing === 'customer' && standingOf(row) === 'staff';
  return {
    id: row.id,
    email: masked ? viewer.staffEmail : row.email,
    username: row.username,
    role: row.role,
    is_active: row.isActive,
    email_verified: row.emailVerifiedAt !== null,
    created_at: isoString(row.createdAt),
    updated_at: isoString(row.updatedAt),
  };
}
