import type { Static } from 'typebox';
import type { PublicUserRow } from './user-repository.js';
import type { User } from './user-schemas.js';

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
