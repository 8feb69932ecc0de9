import { type Static, Type } from 'typebox';
import type { GroupRow } from '../db/schema.js';
import { Id, Text, Timestamp } from '../lib/schemas.js';
import { NO_NUL } from '../lib/validation.js';

/** The contract of groups (queues or teams of staff a ticket can belong to). */

/** Groups a server keeps at most: the list is one page, so it stays small enough to send whole. */
export const MAX_GROUPS = 500;
/** Members one group may have (one PUT replaces them all). */
export const MAX_GROUP_MEMBERS = 500;

export const Group = Type.Object({
  id: Id,
  name: Type.String(),
  description: Type.String(),
  member_ids: Type.Array(Id, { description: 'The members (operators and admins), ascending.' }),
  created_at: Timestamp,
  updated_at: Timestamp,
});

const Name = Text(1, 100, 'Unique ignoring case ("Support" and "support" clash: 409); surrounding spaces are dropped.');
const Description = Type.String({ maxLength: 2000, pattern: NO_NUL });

export const CreateGroupBody = Type.Object(
  { name: Name, description: Type.Optional(Description) },
  { additionalProperties: false, examples: [{ name: 'Hardware', description: 'Printers, laptops, phones' }] },
);

export const UpdateGroupBody = Type.Object(
  { name: Type.Optional(Name), description: Type.Optional(Description) },
  { additionalProperties: false, minProperties: 1 },
);

export const GroupMembersBody = Type.Object(
  {
    user_ids: Type.Array(Id, {
      maxItems: MAX_GROUP_MEMBERS,
      uniqueItems: true,
      description:
        'The whole new member set (an empty list removes everyone). Each must be an active operator or admin, ' +
        'else a 422 at its index.',
    }),
  },
  { additionalProperties: false, examples: [{ user_ids: [2, 3] }] },
);

export type GroupView = Static<typeof Group>;
export type CreateGroup = Static<typeof CreateGroupBody>;
export type UpdateGroup = Static<typeof UpdateGroupBody>;

/** A group row and its members' ids, ascending. */
export type GroupWithMembers = GroupRow & { memberIds: number[] };

export function toGroupView(row: GroupWithMembers): GroupView {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    member_ids: row.memberIds,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}
