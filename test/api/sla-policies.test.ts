import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SlaPolicyView } from '../../src/sla/sla-schemas.js';
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

const hours = { timezone: 'Europe/Moscow', days: [1, 2, 3, 4, 5], start: '09:00', end: '18:00' };
const policy = (overrides: Record<string, unknown> = {}) => ({
  name: 'Standard',
  priority: null,
  first_response_minutes: 60,
  resolution_minutes: 480,
  business_hours: hours,
  ...overrides,
});
const create = (payload: Record<string, unknown>, who: TestUser = admin) =>
  ctx.request<Ok<SlaPolicyView>>({ method: 'POST', url: '/api/sla-policies', payload, headers: who.auth });
const patch = (id: number, payload: Record<string, unknown>, who: TestUser = admin) =>
  ctx.request<Ok<SlaPolicyView>>({ method: 'PATCH', url: `/api/sla-policies/${id}`, payload, headers: who.auth });
const remove = (id: number, who: TestUser = admin) =>
  ctx.request({ method: 'DELETE', url: `/api/sla-policies/${id}`, headers: who.auth });
const get = <T>(url: string, who: TestUser) => ctx.request<Ok<T>>({ method: 'GET', url, headers: who.auth });

describe('SLA policies', () => {
  it('lets an admin create, read, change and delete a policy', async () => {
    const created = await create(policy({ name: ' Any priority ' }));
    expect(created.status).toBe(201);
    expect(created.body.data).toMatchObject({
      name: 'Any priority',
      priority: null,
      first_response_minutes: 60,
      resolution_minutes: 480,
      business_hours: hours,
    });
    const id = created.body.data.id;
    expect((await get<SlaPolicyView>(`/api/sla-policies/${id}`, operator)).body.data).toEqual(created.body.data);
    const changed = await patch(id, { first_response_minutes: 30, business_hours: null });
    expect(changed.status).toBe(200);
    expect(changed.body.data).toMatchObject({ first_response_minutes: 30, business_hours: null, name: 'Any priority' });
    expect((await remove(id)).status).toBe(200);
    expect((await get(`/api/sla-policies/${id}`, admin)).status).toBe(404);
    expect((await remove(id)).status).toBe(404);
    expect((await patch(id, { name: 'x' })).status).toBe(404);
  });

  it('keeps one policy per priority, the any-priority one included (409)', async () => {
    const urgent = await create(policy({ name: 'Urgent', priority: 'urgent' }));
    expect(urgent.status).toBe(201);
    const twin = await create(policy({ name: 'Urgent again', priority: 'urgent' }));
    expect(twin.status).toBe(409);
    expect(twin.body).toEqual({ detail: "An SLA policy for priority 'urgent' already exists" });
    const any = await create(policy({ name: 'Any' }));
    expect(any.status).toBe(201);
    const anyTwin = await create(policy({ name: 'Any again' }));
    expect(anyTwin.status).toBe(409);
    expect(anyTwin.body).toEqual({ detail: 'An SLA policy for any priority (null) already exists' });
    const high = await create(policy({ name: 'High', priority: 'high' }));
    expect((await patch(high.body.data.id, { priority: 'urgent' })).status).toBe(409);
    expect((await patch(high.body.data.id, { priority: null })).status).toBe(409);
    const list = await get<SlaPolicyView[]>('/api/sla-policies', operator);
    expect(list.body.data.map((p) => p.priority)).toEqual(['high', 'urgent', null]);
    for (const p of list.body.data) await remove(p.id);
  });

  it('refuses bad time zones, days, times and minutes (422)', async () => {
    const bad = [
      policy({ business_hours: { ...hours, timezone: 'Mars/Olympus_Mons' } }),
      policy({ business_hours: { ...hours, days: [0] } }),
      policy({ business_hours: { ...hours, days: [] } }),
      policy({ business_hours: { ...hours, days: [1, 1] } }),
      policy({ business_hours: { ...hours, start: '9:00' } }),
      policy({ business_hours: { ...hours, end: '24:00' } }),
      policy({ business_hours: { ...hours, start: '18:00', end: '09:00' } }),
      policy({ first_response_minutes: 0 }),
      policy({ resolution_minutes: 525_601 }),
      policy({ first_response_minutes: 1.5 }),
      policy({ priority: 'critical' }),
      // A year of one minute on Mondays is 52 minutes.
      policy({ business_hours: { ...hours, days: [1], start: '09:00', end: '09:01' }, resolution_minutes: 53 }),
    ];
    for (const body of bad) {
      const res = await create(body);
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(Array.isArray((res.body as unknown as { detail: unknown }).detail)).toBe(true);
    }
    const zone = await create(policy({ business_hours: { ...hours, timezone: 'Mars/Olympus_Mons' } }));
    expect(zone.body).toMatchObject({ detail: [{ loc: ['body', 'business_hours', 'timezone'] }] });
  });

  it('lets staff read and only admins change (403)', async () => {
    const created = await create(policy({ name: 'Low', priority: 'low' }));
    const id = created.body.data.id;
    expect((await create(policy({ priority: 'normal' }), operator)).status).toBe(403);
    expect((await create(policy({ priority: 'normal' }), customer)).status).toBe(403);
    expect((await patch(id, { name: 'x' }, operator)).status).toBe(403);
    expect((await remove(id, operator)).status).toBe(403);
    expect((await get('/api/sla-policies', customer)).status).toBe(403);
    expect((await get(`/api/sla-policies/${id}`, customer)).status).toBe(403);
    expect((await get('/api/sla-policies', operator)).status).toBe(200);
    await remove(id);
  });
});
