import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { groups } from '../../src/db/schema.js';
import { groupRepository } from '../../src/groups/group-repository.js';
import type { GroupView } from '../../src/groups/group-schemas.js';
import { userRepository } from '../../src/users/user-repository.js';
import { type Ok, TestContext, type TestUser } from '../helpers/context.js';

let ctx: TestContext;
let admin: TestUser;
let operator: TestUser;
let customer: TestUser;
beforeAll(async () => {
  ctx = await TestContext.create();
  admin = await ctx.newUser('admin');
  operator = await ctx.newUser('operator');
  customer = await ctx.newUser('customer');
});
afterAll(async () => ctx.close());

const create = (payload: Record<string, unknown>, who: TestUser = admin) =>
  ctx.request<Ok<GroupView>>({ method: 'POST', url: '/api/groups', payload, headers: who.auth });
const patch = (id: number, payload: Record<string, unknown>, who: TestUser = admin) =>
  ctx.request<Ok<GroupView>>({ method: 'PATCH', url: `/api/groups/${id}`, payload, headers: who.auth });
const putMembers = (id: number, payload: Record<string, unknown>, who: TestUser = admin) =>
  ctx.request<Ok<GroupView>>({ method: 'PUT', url: `/api/groups/${id}/members`, payload, headers: who.auth });
/** Sets a group's updated_at an hour back, so a bump shows even within the same millisecond. */
async function aged(group: GroupView): Promise<GroupView> {
  await ctx.db.update(groups).set({ updatedAt: sql`now() - interval '1 hour'` }).where(eq(groups.id, group.id));
  const row = await groupRepository.findWithMembers(ctx.db, group.id);
  return { ...group, updated_at: row?.updatedAt.toISOString() ?? '' };
}
const get = (url: string, who: TestUser) => ctx.request({ method: 'GET', url, headers: who.auth });

describe('POST /api/groups', () => {
  it('lets an admin create a group, trimmed, with no members', async () => {
    const res = await create({ name: '  Hardware ', description: 'Printers and laptops' });
    expect(res.status).toBe(201);
    expect(res.body.message).toBe('Group created');
    expect(res.body.data).toMatchObject({ name: 'Hardware', description: 'Printers and laptops', member_ids: [] });
    expect(res.body.data.created_at).toBe(res.body.data.updated_at);
    const bare = await create({ name: 'No description' });
    expect(bare.body.data.description).toBe('');
  });

  it('refuses operators and customers (403)', async () => {
    expect((await create({ name: 'By operator' }, operator)).status).toBe(403);
    expect((await create({ name: 'By customer' }, customer)).status).toBe(403);
  });

  it('refuses a name taken in any case (409)', async () => {
    expect((await create({ name: 'Support' })).status).toBe(201);
    for (const name of ['support', 'SUPPORT', ' Support ']) {
      const res = await create({ name });
      expect(res.status, name).toBe(409);
      expect(res.body).toEqual({ detail: 'A group with this name already exists' });
    }
  });

  it('refuses bad bodies with 422 in the validation shape', async () => {
    const bodies = [
      {},
      { name: '' },
      { name: '   ' },
      { name: 'x'.repeat(101) },
      { name: 'ok', extra: 1 },
      { name: 'ok', description: 'x'.repeat(2001) },
      { name: 5 },
    ];
    for (const payload of bodies) {
      const res = await create(payload);
      expect(res.status, JSON.stringify(payload)).toBe(422);
      expect(Array.isArray((res.body as unknown as { detail: unknown }).detail)).toBe(true);
    }
    expect((await create({ name: 'x'.repeat(100), description: 'y'.repeat(2000) })).status).toBe(201);
  });
});

describe('GET /api/groups', () => {
  it('lists groups by name ignoring case, with member ids ascending, to staff only', async () => {
    const b = await create({ name: 'beta list' });
    const a = await create({ name: 'Alpha list' });
    const second = await ctx.newUser('operator');
    await putMembers(b.body.data.id, { user_ids: [second.user.id, operator.user.id] });
    const res = await ctx.request<Ok<GroupView[]>>({ method: 'GET', url: '/api/groups', headers: operator.auth });
    expect(res.status).toBe(200);
    const names = res.body.data.map((g) => g.name);
    expect(names.indexOf('Alpha list')).toBeLessThan(names.indexOf('beta list'));
    const beta = res.body.data.find((g) => g.id === b.body.data.id);
    expect(beta?.member_ids).toEqual([operator.user.id, second.user.id].sort((x, y) => x - y));
    expect(res.body.data.find((g) => g.id === a.body.data.id)?.member_ids).toEqual([]);
    expect((await get('/api/groups', admin)).status).toBe(200);
    expect((await get('/api/groups', customer)).status).toBe(403);
  });
});

describe('GET /api/groups/{group_id}', () => {
  it('shows a group to staff, 403 to customers, 404 when missing', async () => {
    const { data } = (await create({ name: ctx.unique('Get ') })).body;
    const res = await get(`/api/groups/${data.id}`, operator);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ data, message: 'Group' });
    expect((await get(`/api/groups/${data.id}`, customer)).status).toBe(403);
    const missing = await get('/api/groups/2147483647', operator);
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ detail: 'Group not found' });
    expect((await get('/api/groups/0', operator)).status).toBe(422);
  });
});

describe('PATCH /api/groups/{group_id}', () => {
  it('renames and redescribes (admins), bumping updated_at', async () => {
    const data = await aged((await create({ name: ctx.unique('Patch ') })).body.data);
    const renamed = await patch(data.id, { name: 'Renamed group' });
    expect(renamed.status).toBe(200);
    expect(renamed.body.data.name).toBe('Renamed group');
    expect(renamed.body.data.updated_at > data.updated_at).toBe(true);
    const described = await patch(data.id, { description: 'Now described' });
    expect(described.body.data).toMatchObject({ name: 'Renamed group', description: 'Now described' });
    // Its own name in another case is no clash with itself.
    expect((await patch(data.id, { name: 'RENAMED GROUP' })).status).toBe(200);
  });

  it('refuses a clash (409), non-admins (403), an empty body (422), a missing group (404)', async () => {
    await create({ name: 'Taken by patch' });
    const { data } = (await create({ name: ctx.unique('Other ') })).body;
    const clash = await patch(data.id, { name: 'taken BY patch' });
    expect(clash.status).toBe(409);
    expect(clash.body).toEqual({ detail: 'A group with this name already exists' });
    expect((await patch(data.id, { name: 'x' }, operator)).status).toBe(403);
    expect((await patch(data.id, { name: 'x' }, customer)).status).toBe(403);
    expect((await patch(data.id, {})).status).toBe(422);
    expect((await patch(data.id, { name: '' })).status).toBe(422);
    const missing = await patch(2_147_483_647, { name: 'nobody' });
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ detail: 'Group not found' });
  });
});

describe('PUT /api/groups/{group_id}/members', () => {
  it('replaces the member set with active operators and admins', async () => {
    const data = await aged((await create({ name: ctx.unique('Members ') })).body.data);
    const other = await ctx.newUser('operator');
    const first = await putMembers(data.id, { user_ids: [other.user.id, admin.user.id, operator.user.id] });
    expect(first.status).toBe(200);
    expect(first.body.data.member_ids).toEqual([other.user.id, admin.user.id, operator.user.id].sort((x, y) => x - y));
    expect(first.body.data.updated_at > data.updated_at).toBe(true);
    const second = await putMembers(data.id, { user_ids: [operator.user.id] });
    expect(second.body.data.member_ids).toEqual([operator.user.id]);
    const none = await putMembers(data.id, { user_ids: [] });
    expect(none.body.data.member_ids).toEqual([]);
    expect((await get(`/api/groups/${data.id}`, operator)).body).toMatchObject({ data: { member_ids: [] } });
  });

  it('refuses customers, inactive staff and unknown ids at their index (422), changing nothing', async () => {
    const { data } = (await create({ name: ctx.unique('Refused ') })).body;
    await putMembers(data.id, { user_ids: [operator.user.id] });
    const inactive = await ctx.newUser('operator');
    await userRepository.update(ctx.db, inactive.user.id, { isActive: false });
    const res = await putMembers(data.id, {
      user_ids: [admin.user.id, customer.user.id, inactive.user.id, 2_147_483_647],
    });
    expect(res.status).toBe(422);
    expect(res.body).toEqual({
      detail: [
        {
          loc: ['body', 'user_ids', 1],
          msg: `User ${customer.user.id} is not an operator or admin`,
          type: 'value_error',
        },
        {
          loc: ['body', 'user_ids', 2],
          msg: `User ${inactive.user.id} is not an operator or admin`,
          type: 'value_error',
        },
        { loc: ['body', 'user_ids', 3], msg: 'User 2147483647 is not an operator or admin', type: 'value_error' },
      ],
    });
    expect((await groupRepository.findWithMembers(ctx.db, data.id))?.memberIds).toEqual([operator.user.id]);
  });

  it('refuses bad bodies (422), non-admins (403) and a missing group (404)', async () => {
    const { data } = (await create({ name: ctx.unique('Bodies ') })).body;
    const id = operator.user.id;
    for (const payload of [{}, { user_ids: [id, id] }, { user_ids: [0] }, { user_ids: 'x' }, { user_ids: [], x: 1 }]) {
      expect((await putMembers(data.id, payload)).status, JSON.stringify(payload)).toBe(422);
    }
    const tooMany = Array.from({ length: 501 }, (_, i) => i + 1);
    expect((await putMembers(data.id, { user_ids: tooMany })).status).toBe(422);
    expect((await putMembers(data.id, { user_ids: [id] }, operator)).status).toBe(403);
    expect((await putMembers(data.id, { user_ids: [id] }, customer)).status).toBe(403);
    const missing = await putMembers(2_147_483_647, { user_ids: [id] });
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ detail: 'Group not found' });
  });

  it('keeps one consistent member set when two replacements race', async () => {
    const { data } = (await create({ name: ctx.unique('Race ') })).body;
    const sets = [[operator.user.id], [admin.user.id]];
    const results = await Promise.all(sets.map((user_ids) => putMembers(data.id, { user_ids })));
    expect(results.map((r) => r.status)).toEqual([200, 200]);
    const final = (await groupRepository.findWithMembers(ctx.db, data.id))?.memberIds;
    expect(sets).toContainEqual(final);
  });
});

describe('the group repository (for tickets and mail ingest)', () => {
  it('finds a group by id and by name in any case, and says whether one exists', async () => {
    const { data } = (await create({ name: 'Billing Team' })).body;
    expect((await groupRepository.findById(ctx.db, data.id))?.name).toBe('Billing Team');
    expect((await groupRepository.findByName(ctx.db, 'billing team'))?.id).toBe(data.id);
    expect((await groupRepository.findByName(ctx.db, ' BILLING TEAM '))?.id).toBe(data.id);
    expect(await groupRepository.findByName(ctx.db, 'billing')).toBeUndefined();
    expect(await groupRepository.exists(ctx.db, data.id)).toBe(true);
    expect(await groupRepository.exists(ctx.db, 2_147_483_647)).toBe(false);
  });
});
