import { and, asc, count, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { type GroupRow, groupMembers, groups, users } from '../db/schema.js';
import type { GroupWithMembers } from './group-schemas.js';

/**
 * A group's members' ids, ascending, read in the statement that reads the group: a list of groups costs one
 * query, never one per group.
 */
const memberIds = sql<number[]>`coalesce((
  select array_agg(${groupMembers.userId} order by ${groupMembers.userId})
  from ${groupMembers} where ${groupMembers.groupId} = ${groups.id}
), '{}'::integer[])`;

const withMembers = {
  id: groups.id,
  name: groups.name,
  description: groups.description,
  createdAt: groups.createdAt,
  updatedAt: groups.updatedAt,
  memberIds,
};

export type GroupChanges = Partial<Pick<GroupRow, 'name' | 'description'>>;

export const groupRepository = {
  /** The group alone (what the ticket code checks a `group_id` against). */
  async findById(db: Db, id: number): Promise<GroupRow | undefined> {
    const [row] = await db.select().from(groups).where(eq(groups.id, id));
    return row;
  },

  async exists(db: Db, id: number): Promise<boolean> {
    const [row] = await db.select({ id: groups.id }).from(groups).where(eq(groups.id, id));
    return row !== undefined;
  },

  /** By name ignoring case, as the unique index compares (EMAIL_DEFAULT_GROUP names a group this way). */
  async findByName(db: Db, name: string): Promise<GroupRow | undefined> {
    const [row] = await db.select().from(groups).where(sql`lower(${groups.name}) = lower(${name.trim()})`);
    return row;
  },

  async findWithMembers(db: Db, id: number): Promise<GroupWithMembers | undefined> {
    const [row] = await db.select(withMembers).from(groups).where(eq(groups.id, id));
    return row;
  },

  /** Every group (at most `limit`) by name ignoring case, then id, each with its members. */
  async listWithMembers(db: Db, limit: number): Promise<GroupWithMembers[]> {
    return db.select(withMembers).from(groups).orderBy(sql`lower(${groups.name})`, asc(groups.id)).limit(limit);
  },

  async count(db: Db): Promise<number> {
    const [row] = await db.select({ n: count() }).from(groups);
    return row?.n ?? 0;
  },

  async insert(db: Db, values: { name: string; description: string }): Promise<GroupRow> {
    const [row] = await db.insert(groups).values(values).returning();
    return row as GroupRow;
  },

  /** Bumps updated_at, also with no other change (a new member set). `undefined` when the group is gone. */
  async update(db: Db, id: number, changes: GroupChanges): Promise<GroupRow | undefined> {
    const [row] = await db
      .update(groups)
      .set({ ...changes, updatedAt: sql`now()` })
      .where(eq(groups.id, id))
      .returning();
    return row;
  },

  /** Holds the group's row until the transaction ends, so two member replacements run one after the other. */
  async lock(db: Db, id: number): Promise<boolean> {
    const [row] = await db.select({ id: groups.id }).from(groups).where(eq(groups.id, id)).for('update');
    return row !== undefined;
  },

  /**
   * Of `ids`, those of active operators and admins, their rows held (FOR SHARE) until the transaction ends:
   * none of them can be demoted or deactivated between this check and the members written.
   */
  async activeStaffIds(db: Db, ids: number[]): Promise<Set<number>> {
    if (ids.length === 0) return new Set();
    const rows = await db
      .select({ id: users.id })
      .from(users)
      .where(and(inArray(users.id, ids), inArray(users.role, ['operator', 'admin']), eq(users.isActive, true)))
      .for('share');
    return new Set(rows.map((row) => row.id));
  },

  async replaceMembers(db: Db, groupId: number, userIds: number[]): Promise<void> {
    await db.delete(groupMembers).where(eq(groupMembers.groupId, groupId));
    if (userIds.length === 0) return;
    await db.insert(groupMembers).values(userIds.map((userId) => ({ groupId, userId })));
  },
};
