import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webhookDeliveries, webhooks } from '../../src/db/schema.js';
import type { UpdatedWebhookView, WebhookView, WebhookWithSecretView } from '../../src/webhooks/webhook-schemas.js';
import { type Ok, type Page, TestContext, type TestUser } from '../helpers/context.js';
import { waitUntil } from '../helpers/wait.js';
import { WebhookReceiver } from '../helpers/webhook-receiver.js';

// The admin API, with the default safety settings (private networks refused).
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
  ctx.request<Ok<WebhookWithSecretView>>({ method: 'POST', url: '/api/webhooks', payload, headers: who.auth });
const patch = (id: number, payload: Record<string, unknown>) =>
  ctx.request<Ok<UpdatedWebhookView>>({ method: 'PATCH', url: `/api/webhooks/${id}`, payload, headers: admin.auth });
const get = <T = Ok<WebhookView>>(url: string, who: TestUser = admin) =>
  ctx.request<T>({ method: 'GET', url, headers: who.auth });

describe('POST /api/webhooks', () => {
  it('creates a webhook and shows a generated whsec_ secret of 32 bytes in this answer only', async () => {
    const res = await create({ url: 'https://hooks.example.com/desk', events: ['ticket.created', 'message.created'] });
    expect(res.status).toBe(201);
    expect(res.body.message).toBe('Webhook created');
    expect(res.body.data).toMatchObject({
      url: 'https://hooks.example.com/desk',
      events: ['ticket.created', 'message.created'],
      description: '',
      enabled: true,
      disabled_reason: null,
    });
    expect(Buffer.from(res.body.data.secret.slice('whsec_'.length), 'base64')).toHaveLength(32);
    const read = await get(`/api/webhooks/${res.body.data.id}`);
    expect(read.status).toBe(200);
    expect(read.body.data).not.toHaveProperty('secret');
    const list = await get<Page<WebhookView>>('/api/webhooks?limit=200');
    expect(list.body.data.find((w) => w.id === res.body.data.id)).not.toHaveProperty('secret');
  });

  it('keeps a given secret, and "*" alone when it comes with others', async () => {
    const secret = `whsec_${Buffer.alloc(24, 9).toString('base64')}`;
    const res = await create({ url: 'http://hooks.example.com/x', events: ['ticket.updated', '*'], secret });
    expect(res.status).toBe(201);
    expect(res.body.data).toMatchObject({ secret, events: ['*'] });
  });

  it('refuses bad input with 422 at the field', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ url: 'ftp://hooks.example.com/x', events: ['*'] }, 'url'],
      [{ url: 'not a url', events: ['*'] }, 'url'],
      [{ url: 'https://hooks.example.com', events: [] }, 'events'],
      [{ url: 'https://hooks.example.com', events: ['ticket.exploded'] }, 'events'],
      [{ url: 'https://hooks.example.com', events: ['*'], secret: 'plain' }, 'secret'],
      [{ url: 'https://hooks.example.com', events: ['*'], secret: `whsec_${'A'.repeat(42)}B=` }, 'secret'],
      [
        { url: 'https://hooks.example.com', events: ['*'], secret: `whsec_${Buffer.alloc(16).toString('base64')}` },
        'secret',
      ],
      [{ url: 'https://hooks.example.com', events: ['*'], extra: 1 }, 'extra'],
      [{ url: 'http://127.0.0.1:8080/hook', events: ['*'] }, 'url'],
      [{ url: 'http://localhost/hook', events: ['*'] }, 'url'],
      [{ url: 'http://[::1]/hook', events: ['*'] }, 'url'],
      [{ url: 'http://169.254.169.254/latest/meta-data', events: ['*'] }, 'url'],
      [{ url: 'http://10.0.0.8/hook', events: ['*'] }, 'url'],
    ];
    for (const [payload, field] of cases) {
      const res = await ctx.request<{ detail: { loc: unknown[] }[] }>({
        method: 'POST',
        url: '/api/webhooks',
        payload,
        headers: admin.auth,
      });
      expect(res.status, JSON.stringify(payload)).toBe(422);
      expect(JSON.stringify(res.body.detail.map((d) => d.loc)), JSON.stringify(payload)).toContain(
        field === 'extra' ? 'body' : field,
      );
    }
  });

  it('is for admins only: operators and customers get 403, and learn nothing', async () => {
    const made = await create({ url: 'https://hooks.example.com/a', events: ['*'] });
    for (const who of [operator, customer]) {
      expect((await create({ url: 'https://hooks.example.com/b', events: ['*'] }, who)).status).toBe(403);
      expect((await get('/api/webhooks', who)).status).toBe(403);
      expect((await get(`/api/webhooks/${made.body.data.id}`, who)).status).toBe(403);
      expect((await get('/api/webhooks/2147483647', who)).status).toBe(403);
      expect((await get(`/api/webhooks/${made.body.data.id}/deliveries`, who)).status).toBe(403);
    }
  });

  it('replays an Idempotency-Key instead of creating twice', async () => {
    const headers = { ...admin.auth, 'idempotency-key': ctx.unique('key') };
    const payload = { url: 'https://hooks.example.com/once', events: ['*'] };
    const first = await ctx.request<Ok<WebhookWithSecretView>>({
      method: 'POST',
      url: '/api/webhooks',
      payload,
      headers,
    });
    const second = await ctx.request<Ok<WebhookWithSecretView>>({
      method: 'POST',
      url: '/api/webhooks',
      payload,
      headers,
    });
    expect(second.headers['idempotency-replayed']).toBe('true');
    expect(second.body.data.id).toBe(first.body.data.id);
  });
});

describe('GET, PATCH, DELETE /api/webhooks/{id}', () => {
  it('pages the list with keyset cursors', async () => {
    for (let i = 0; i < 3; i += 1) await create({ url: `https://hooks.example.com/page${i}`, events: ['*'] });
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const page: Page<WebhookView> = (
        await get<Page<WebhookView>>(`/api/webhooks?limit=2${cursor ? `&cursor=${cursor}` : ''}`)
      ).body;
      seen.push(...page.data.map((w) => w.id));
      cursor = page.meta.next_cursor;
    } while (cursor);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBeGreaterThanOrEqual(3);
    expect((await get('/api/webhooks?cursor=bogus')).status).toBe(422);
  });

  it('changes url, events, description and enabled without showing the secret; rotating shows the new one', async () => {
    const made = (await create({ url: 'https://hooks.example.com/p', events: ['*'] })).body.data;
    const changed = await patch(made.id, {
      url: 'https://hooks.example.com/q',
      events: ['ticket.merged'],
      description: 'CRM',
      enabled: false,
    });
    expect(changed.status).toBe(200);
    expect(changed.body.data).toMatchObject({
      url: 'https://hooks.example.com/q',
      events: ['ticket.merged'],
      enabled: false,
    });
    expect(changed.body.data).not.toHaveProperty('secret');
    const rotated = await patch(made.id, { rotate_secret: true });
    expect(rotated.body.data.secret).toMatch(/^whsec_/);
    expect(rotated.body.data.secret).not.toBe(made.secret);
    const [row] = await ctx.db.select().from(webhooks).where(eq(webhooks.id, made.id));
    expect(row?.secret).toBe(rotated.body.data.secret);
    expect((await patch(made.id, {})).status).toBe(422);
    expect((await patch(made.id, { url: 'http://192.168.0.1/' })).status).toBe(422);
    expect((await patch(2147483647, { enabled: true })).status).toBe(404);
  });

  it('deletes a webhook with its deliveries; then it is 404', async () => {
    const made = (await create({ url: 'https://hooks.example.com/d', events: ['*'] })).body.data;
    await ctx.newTicket(customer);
    expect(await ctx.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.webhookId, made.id))).toHaveLength(
      1,
    );
    const res = await ctx.request({ method: 'DELETE', url: `/api/webhooks/${made.id}`, headers: admin.auth });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ data: null, message: 'Webhook deleted' });
    expect((await get(`/api/webhooks/${made.id}`)).status).toBe(404);
    expect(await ctx.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.webhookId, made.id))).toEqual([]);
    const again = await ctx.request({ method: 'DELETE', url: `/api/webhooks/${made.id}`, headers: admin.auth });
    expect(again.status).toBe(404);
  });

  it('lists deliveries newest first, paged, filtered by status; 404 for an unknown webhook or delivery', async () => {
    const made = (await create({ url: 'https://hooks.example.com/l', events: ['ticket.created'] })).body.data;
    for (let i = 0; i < 3; i += 1) await ctx.newTicket(customer);
    const first = await get<Page<{ id: number; status: string }>>(`/api/webhooks/${made.id}/deliveries?limit=2`);
    expect(first.status).toBe(200);
    expect(first.body.data).toHaveLength(2);
    const rest = await get<Page<{ id: number }>>(
      `/api/webhooks/${made.id}/deliveries?limit=2&cursor=${first.body.meta.next_cursor}`,
    );
    const ids = [...first.body.data, ...rest.body.data].map((d) => d.id);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    expect(rest.body.meta.next_cursor).toBeNull();
    const failed = await get<Page<unknown>>(`/api/webhooks/${made.id}/deliveries?status=failed`);
    expect(failed.body.data).toEqual([]);
    expect((await get('/api/webhooks/2147483647/deliveries')).status).toBe(404);
    const redeliver = await ctx.request({
      method: 'POST',
      url: `/api/webhooks/${made.id}/deliveries/999999999/redeliver`,
      headers: admin.auth,
    });
    expect(redeliver.status).toBe(404);
  });
});

describe('sending to a private address', () => {
  it('is refused at send time when the URL now leads there (a name that changed its address)', async () => {
    const receiver = await WebhookReceiver.start();
    try {
      await ctx.app.services.background.start();
      // Written past the API's check, as if a public name had been re-pointed at this machine (DNS rebinding).
      const [hook] = await ctx.db
        .insert(webhooks)
        .values({
          url: receiver.url('/private'),
          events: ['ticket.created'],
          secret: `whsec_${Buffer.alloc(32, 3).toString('base64')}`,
        })
        .returning();
      if (!hook) throw new Error('no webhook');
      await ctx.newTicket(customer);
      const [row] = await waitUntil(async () => {
        const rows = await ctx.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.webhookId, hook.id));
        return rows[0]?.status === 'failed' && rows;
      });
      expect(row?.lastError).toContain('loopback, private or link-local');
      expect(row?.attempts).toBe(1);
      expect(receiver.received).toEqual([]);
    } finally {
      await receiver.close();
    }
  });
});
