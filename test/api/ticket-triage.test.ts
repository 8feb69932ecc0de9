import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { groups } from '../../src/db/schema.js';
import type { TicketEventView } from '../../src/events/event-schemas.js';
import type { TicketView } from '../../src/tickets/ticket-schemas.js';
import { type Ok, type Page, TestContext, type TestUser } from '../helpers/context.js';

let ctx: TestContext;
let operator: TestUser;
let customer: TestUser;
let groupId: number;
beforeAll(async () => {
  ctx = await TestContext.create();
  operator = await ctx.newUser('operator');
  customer = await ctx.newUser('customer');
  const [group] = await ctx.db.insert(groups).values({ name: 'Hardware' }).returning();
  groupId = (group as { id: number }).id;
});
afterAll(async () => ctx.close());

const create = (who: TestUser, payload: Record<string, unknown>) =>
  ctx.request<Ok<TicketView>>({
    method: 'POST',
    url: '/api/tickets',
    headers: who.auth,
    payload: { subject: 'Printer', description: 'It does not print', ...payload },
  });
const patch = (who: TestUser, id: number, payload: Record<string, unknown>) =>
  ctx.request<Ok<TicketView>>({ method: 'PATCH', url: `/api/tickets/${id}`, headers: who.auth, payload });
const history = (who: TestUser, id: number, query = '') =>
  ctx.request<Page<TicketEventView>>({ method: 'GET', url: `/api/tickets/${id}/events${query}`, headers: who.auth });

describe('priority, tags and group on tickets', () => {
  it('gives every ticket the defaults', async () => {
    const res = await create(customer, {});
    expect(res.status).toBe(201);
    expect(res.body.data).toMatchObject({ priority: 'normal', tags: [], group: null, merged_into_id: null });
  });

  it('lets staff file a ticket as they open it, with tags normalised', async () => {
    const res = await create(operator, { priority: 'urgent', tags: [' VIP ', 'Принтер', 'vip'], group_id: groupId });
    expect(res.status).toBe(201);
    expect(res.body.data).toMatchObject({
      priority: 'urgent',
      tags: ['vip', 'принтер'],
      group: { id: groupId, name: 'Hardware' },
    });
    const read = await ctx.request<Ok<TicketView>>({
      method: 'GET',
      url: `/api/tickets/${res.body.data.id}`,
      headers: operator.auth,
    });
    expect(read.body.data).toEqual(res.body.data);
  });

  it('refuses triage fields from a customer with 403, on POST and PATCH, and changes nothing', async () => {
    for (const payload of [{ priority: 'high' }, { tags: ['x'] }, { group_id: groupId }]) {
      const res = await create(customer, payload);
      expect(res.status).toBe(403);
      expect(res.body).toEqual({ detail: 'Only operators can set priority, tags and group' });
    }
    const own = await create(customer, {});
    for (const payload of [{ priority: 'high' }, { add_tags: ['x'] }, { remove_tags: ['x'] }, { group_id: null }]) {
      const res = await patch(customer, own.body.data.id, payload);
      expect(res.status).toBe(403);
    }
    const read = await ctx.request<Ok<TicketView>>({
      method: 'GET',
      url: `/api/tickets/${own.body.data.id}`,
      headers: customer.auth,
    });
    expect(read.body.data).toEqual(own.body.data);
  });

  it('answers 422 for an unknown group, a bad priority, a bad tag, too many tags', async () => {
    const ticket = await create(operator, {});
    const id = ticket.body.data.id;
    const unknownGroup = await patch(operator, id, { group_id: 999_999 });
    expect(unknownGroup.status).toBe(422);
    expect(unknownGroup.body).toEqual({
      detail: [{ loc: ['body', 'group_id'], msg: 'Group 999999 not found', type: 'group_not_found' }],
    });
    expect((await create(operator, { group_id: 999_999 })).status).toBe(422);
    expect((await patch(operator, id, { priority: 'asap' })).status).toBe(422);
    for (const tag of ['', '-dash-first', 'a'.repeat(51), 'semi;colon', 'new\nline']) {
      expect((await patch(operator, id, { tags: [tag] })).status, JSON.stringify(tag)).toBe(422);
    }
    const twenty = Array.from({ length: 20 }, (_, i) => `t${i}`);
    expect((await patch(operator, id, { tags: twenty })).status).toBe(200);
    const tooMany = await patch(operator, id, { add_tags: ['one-more'] });
    expect(tooMany.status).toBe(422);
    expect(tooMany.body).toEqual({
      detail: [{ loc: ['body', 'add_tags'], msg: 'A ticket has at most 20 tags', type: 'too_many_tags' }],
    });
  });

  it('adds and removes tags without losing a concurrent operator’s', async () => {
    const ticket = await create(operator, { tags: ['base'] });
    const id = ticket.body.data.id;
    const other = await ctx.newUser('operator');
    const results = await Promise.all([
      patch(operator, id, { add_tags: ['first'] }),
      patch(other, id, { add_tags: ['second'] }),
      patch(other, id, { add_tags: ['third'], remove_tags: ['base'] }),
    ]);
    expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
    const read = await ctx.request<Ok<TicketView>>({
      method: 'GET',
      url: `/api/tickets/${id}`,
      headers: operator.auth,
    });
    expect(read.body.data.tags).toEqual(['first', 'second', 'third']);
  });

  it('bumps updated_at and the ETag on every change, and on none when nothing changes', async () => {
    const ticket = await create(operator, {});
    const id = ticket.body.data.id;
    const etag = ticket.headers.etag;
    const tagged = await patch(operator, id, { add_tags: ['billing'] });
    expect(tagged.headers.etag).not.toBe(etag);
    expect(tagged.body.data.updated_at > ticket.body.data.updated_at).toBe(true);
    const same = await patch(operator, id, { tags: ['Billing'], priority: 'normal' });
    expect(same.status).toBe(200);
    expect(same.headers.etag).toBe(tagged.headers.etag);
    expect(same.body.data.updated_at).toBe(tagged.body.data.updated_at);
  });

  it('never shows a customer the tags or the group of their ticket', async () => {
    const own = await create(customer, {});
    await patch(operator, own.body.data.id, { add_tags: ['angry-customer'], group_id: groupId, priority: 'low' });
    const read = await ctx.request<Ok<TicketView>>({
      method: 'GET',
      url: `/api/tickets/${own.body.data.id}`,
      headers: customer.auth,
    });
    expect(read.body.data).toMatchObject({ tags: [], group: null, priority: 'low' });
    const list = await ctx.request<Page<TicketView>>({ method: 'GET', url: '/api/tickets', headers: customer.auth });
    expect(JSON.stringify(list.body.data)).not.toContain('angry-customer');
    for (const filter of ['tag=angry-customer', `group_id=${groupId}`, 'group_id=none']) {
      const probe = await ctx.request({ method: 'GET', url: `/api/tickets?${filter}`, headers: customer.auth });
      expect(probe.status, filter).toBe(403);
    }
    const staffList = await ctx.request<Page<TicketView>>({
      method: 'GET',
      url: '/api/tickets?tag=Angry-Customer',
      headers: operator.auth,
    });
    expect(staffList.body.data.map((t) => t.id)).toEqual([own.body.data.id]);
  });

  it('refuses staff filters to an operator made a customer, though this process last saw them as staff', async () => {
    const admin = await ctx.newUser('admin');
    const demoted = await ctx.newUser('operator');
    const own = await create(demoted, { tags: ['was-staff'] });
    const tagged = '/api/tickets?tag=was-staff';
    // Seen as staff: their staff-filtered lists run at once, full or empty.
    const before = await ctx.request<Page<TicketView>>({ method: 'GET', url: tagged, headers: demoted.auth });
    expect(before.body.data.map((t) => t.id)).toEqual([own.body.data.id]);
    const empty = await ctx.request<Page<TicketView>>({
      method: 'GET',
      url: '/api/tickets?tag=nothing-here',
      headers: demoted.auth,
    });
    expect([empty.status, empty.body.data]).toEqual([200, []]);
    const changed = await ctx.request({
      method: 'PATCH',
      url: `/api/users/${demoted.user.id}`,
      headers: admin.auth,
      payload: { role: 'customer' },
    });
    expect(changed.status).toBe(200);
    // The token still names them; the statement checks the role, and the account decides: 403, no rows.
    for (const url of [tagged, `/api/tickets?group_id=${groupId}`, '/api/tickets?sla=breached']) {
      const res = await ctx.request({ method: 'GET', url, headers: demoted.auth });
      expect(res.status, url).toBe(403);
      expect(JSON.stringify(res.body), url).not.toContain('was-staff');
    }
  });

  it('drops a ticket from its group when the group is deleted', async () => {
    const [doomed] = await ctx.db.insert(groups).values({ name: 'Doomed' }).returning();
    const doomedId = (doomed as { id: number }).id;
    const ticket = await create(operator, { group_id: doomedId });
    await ctx.db.delete(groups).where(eq(groups.id, doomedId));
    const read = await ctx.request<Ok<TicketView>>({
      method: 'GET',
      url: `/api/tickets/${ticket.body.data.id}`,
      headers: operator.auth,
    });
    expect(read.body.data.group).toBeNull();
  });
});

describe('GET /api/tickets/{id}/events', () => {
  it('records every change with its actor, oldest first', async () => {
    const ticket = await create(customer, {});
    const id = ticket.body.data.id;
    await patch(operator, id, { status: 'in_progress', operator_id: operator.user.id, priority: 'high' });
    await patch(operator, id, { add_tags: ['Printer'], group_id: groupId });
    await ctx.request({
      method: 'POST',
      url: `/api/tickets/${id}/messages`,
      headers: operator.auth,
      payload: { text: 'Looking into it', internal: false },
    });
    await ctx.request({
      method: 'POST',
      url: `/api/tickets/${id}/messages`,
      headers: operator.auth,
      payload: { text: 'Their printer is ancient', internal: true },
    });
    await patch(operator, id, { status: 'closed' });
    const reply = await ctx.request<Ok<{ id: number }>>({
      method: 'POST',
      url: `/api/tickets/${id}/messages`,
      headers: customer.auth,
      payload: { text: 'Still broken' },
    });

    const staff = await history(operator, id);
    expect(staff.status).toBe(200);
    const summary = staff.body.data.map((e) => [e.type, e.actor?.id ?? null, e.changes, e.message_id !== null]);
    expect(summary).toEqual([
      ['ticket.created', customer.user.id, {}, false],
      [
        'ticket.updated',
        operator.user.id,
        {
          status: { from: 'open', to: 'in_progress' },
          operator_id: { from: null, to: operator.user.id },
          priority: { from: 'normal', to: 'high' },
        },
        false,
      ],
      [
        'ticket.updated',
        operator.user.id,
        { tags: { from: [], to: ['printer'] }, group_id: { from: null, to: groupId } },
        false,
      ],
      ['message.created', operator.user.id, {}, true],
      ['note.created', operator.user.id, {}, true],
      ['ticket.updated', operator.user.id, { status: { from: 'in_progress', to: 'closed' } }, false],
      ['message.created', customer.user.id, {}, true],
      ['ticket.updated', customer.user.id, { status: { from: 'closed', to: 'open' } }, false],
    ]);
    expect(staff.body.data[6]?.message_id).toBe(reply.body.data.id);
    const ids = staff.body.data.map((e) => e.id);
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);

    // The customer: no internal note, no group or tag change (an update of only those disappears).
    const own = await history(customer, id);
    expect(own.status).toBe(200);
    expect(own.body.data.map((e) => e.type)).toEqual([
      'ticket.created',
      'ticket.updated',
      'message.created',
      'ticket.updated',
      'message.created',
      'ticket.updated',
    ]);
    expect(JSON.stringify(own.body.data)).not.toMatch(/group_id|tags|note/);
    // Staff are shown to customers with the support address, as everywhere.
    expect(own.body.data[1]?.actor?.email).not.toBe(operator.user.email);
  });

  it('pages by cursor without gaps or repeats', async () => {
    const ticket = await create(operator, {});
    const id = ticket.body.data.id;
    for (let i = 0; i < 6; i++) await patch(operator, id, { priority: i % 2 === 0 ? 'high' : 'low' });
    const seen: number[] = [];
    let cursor = '';
    for (let pages = 0; pages < 10; pages++) {
      const res = await history(operator, id, `?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      seen.push(...res.body.data.map((e) => e.id));
      if (!res.body.meta.next_cursor) break;
      cursor = res.body.meta.next_cursor;
    }
    expect(seen).toHaveLength(7);
    expect(new Set(seen).size).toBe(7);
    expect((await history(operator, id, '?cursor=bm9wZQ')).status).toBe(422);
  });

  it("hides another customer's ticket history as not found", async () => {
    const ticket = await create(customer, {});
    const stranger = await ctx.newUser('customer');
    const res = await history(stranger, ticket.body.data.id);
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ detail: 'Ticket not found' });
    expect((await history(operator, 2_000_000_000)).status).toBe(404);
  });
});
