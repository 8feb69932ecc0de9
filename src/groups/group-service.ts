import { type Caller, isStaff } from '../access/caller.js';
import type { Db } from '../db/client.js';
import { isUniqueViolation } from '../db/errors.js';
import { errors } from '../lib/errors.js';
import { type GroupChanges, groupRepository as groups } from './group-repository.js';
import { type CreateGroup, type GroupView, MAX_GROUPS, toGroupView, type UpdateGroup } from './group-schemas.js';

/** The unique index that decides "this name is taken" (lower(name)), whatever checks ran before. */
const NAME_KEY = 'groups_name_lower_key';

/** Groups of staff: every member of staff reads them, admins change them. */
export class GroupService {
  constructor(private readonly db: Db) {}

  async create(caller: Caller, input: CreateGroup): Promise<GroupView> {
    await checkAdmin(caller);
    // A soft ceiling (two creations at the boundary may both pass): it keeps the unpaged list whole.
    if ((await groups.count(this.db)) >= MAX_GROUPS) throw errors.tooManyGroups(MAX_GROUPS);
    try {
      const row = await groups.insert(this.db, { name: input.name.trim(), description: input.description ?? '' });
      return toGroupView({ ...row, memberIds: [] });
    } catch (error) {
      if (isUniqueViolation(error, NAME_KEY)) throw errors.groupNameTaken();
      throw error;
    }
  }

  /** Every group, by name ignoring case: at most MAX_GROUPS exist, so this is one unpaged list. */
  async list(caller: Caller): Promise<GroupView[]> {
    await checkStaff(caller);
    return (await groups.listWithMembers(this.db, MAX_GROUPS)).map(toGroupView);
  }

  async get(caller: Caller, id: number): Promise<GroupView> {
    await checkStaff(caller);
    const row = await groups.findWithMembers(this.db, id);
    if (!row) throw errors.groupNotFound();
    return toGroupView(row);
  }

  async update(caller: Caller, id: number, input: UpdateGroup): Promise<GroupView> {
    await checkAdmin(caller);
    const changes: GroupChanges = {};
    if (input.name !== undefined) changes.name = input.name.trim();
    if (input.description !== undefined) changes.description = input.description;
    try {
      if (!(await groups.update(this.db, id, changes))) throw errors.groupNotFound();
    } catch (error) {
      if (isUniqueViolation(error, NAME_KEY)) throw errors.groupNameTaken();
      throw error;
    }
    return this.get(caller, id);
  }

  /**
   * Replaces the member set. Every id must be an active operator or admin; the refused ones are named at
   * their index in the body. The group's row is locked first, so concurrent replacements do not mix.
   */
  async replaceMembers(caller: Caller, id: number, userIds: number[]): Promise<GroupView> {
    await checkAdmin(caller);
    const row = await this.db.transaction(async (tx) => {
      if (!(await groups.lock(tx, id))) throw errors.groupNotFound();
      const staff = await groups.activeStaffIds(tx, userIds);
      const refused = userIds.flatMap((userId, index) => (staff.has(userId) ? [] : [{ index, id: userId }]));
      if (refused.length > 0) throw errors.groupMembersNotStaff(refused);
      await groups.replaceMembers(tx, id, userIds);
      await groups.update(tx, id, {});
      return groups.findWithMembers(tx, id);
    });
    if (!row) throw errors.groupNotFound();
    return toGroupView(row);
  }
}

async function checkStaff(caller: Caller): Promise<void> {
  if (!isStaff(await caller.user())) throw errors.forbidden();
}

async function checkAdmin(caller: Caller): Promise<void> {
  if ((await caller.user()).role !== 'admin') throw errors.forbidden();
}
