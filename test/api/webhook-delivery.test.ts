import { eq, sql } from 'drizzle-orm';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type WebhookDeliveryRow, webhookDeliveries, webhooks } from '../../src/db/schema.js';
import type { WebhookDeliveryView, WebhookWithSecretView } from '../../src/webhooks/webhook-schemas.js';
import { type Ok, type Page, TestContext, type TestUser } from '../helpers/context.js';
import { waitUntil } from '../helpers/wait.js';
import { WebhookReceiver } from '../helpers/webhook-receiver.js';

// Real deliveries to a real HTTP receiver on loopback, sent by the app's own jobs (in-process here).
let ctx: TestContext;
let receiver: WebhookReceiver;
let admin: TestUser;
let customer: TestUser;
beforeAll(async () => {
  ctx = await TestContext.create({
    WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
    WEBHOOK_RETRY_SCHEDULE: '1,1,1',
    WEBHOOK_TIMEOUT_SECONDS: '1',
  });
  await ctx.app.services.background.start();
  receiver = await WebhookReceiver.start();
  admin = await ctx.newUser('admin');
  customer = await ctx.newUser('customer');
});
afterAll(async () => {
  await ctx.close();
  await receiver.close();
});

/** A webhook on its own receiver path, for every event type. */
async function webhookAt(path: string, events: string[] = ['*']): Promise<WebhookWithSecretView> {
  const res = await ctx.request<Ok<WebhookWithSecretView>>({
    method: 'POST',
    url: '/api/webhooks',
    headers: admin.auth,
    payload: { url: receiver.url(path), events },
  });
  expect(res.status).toBe(201);
  return res.body.data;
}

/** Removes a test's webhook, so later tests' events do not reach it. */
async function done(webhook: { id: number }): Promise<void> {
  await ctx.db.delete(webhooks).where(eq(webhooks.id, webhook.id));
}

async function openTicket(subject = 'Printer on fire'): Promise<number> {
  const res = await ctx.request<Ok<{ id: number }>>({
    method: 'POST',
    url: '/api/tickets',
    headers: customer.auth,
    payload: { subject, description: 'Smoke everywhere' },
  });
  expect(res.status).toBe(201);
  return res.body.data.id;
}

async function deliveriesOf(webhookId: number): Promise<WebhookDeliveryRow[]> {
  return ctx.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.webhookId, webhookId));
}

async function settled(webhookId: number, count = 1): Promise<WebhookDeliveryRow[]> {
  return waitUntil(async () => {
    const rows = await deliveriesOf(webhookId);
    return rows.length >= count && rows.every((row) => row.status !== 'pending') && rows;
  }, 20_000);
}

describe('a delivery', () => {
  it('is a signed Standard Webhooks POST that an independent implementation verifies', async () => {
    const webhook = await webhookAt('/signed', ['ticket.created']);
    const ticketId = await openTicket('Signed delivery');
    const [request] = await waitUntil(async () => receiver.at('/signed').length > 0 && receiver.at('/signed'));
    if (!request) throw new Error('no request');
    const verified = new StandardWebhook(webhook.secret).verify(request.body, {
      'webhook-id': String(request.headers['webhook-id']),
      'webhook-timestamp': String(request.headers['webhook-timestamp']),
      'webhook-signature': String(request.headers['webhook-signature']),
    }) as { type: string; timestamp: string; data: Record<string, unknown> };
    expect(request.headers['content-type']).toBe('application/json');
    expect(verified.type).toBe('ticket.created');
    expect(verified.data).toMatchObject({ ticket_id: ticketId, event: { type: 'ticket.created' } });
    // `data` is what the live stream and the history say: the event as listed, the ticket as GET returns it.
    const ticket = await ctx.request({ method: 'GET', url: `/api/tickets/${ticketId}`, headers: admin.auth });
    expect(verified.data.ticket).toEqual(ticket.body.data);
    const history = await ctx.request<Page<{ id: number; created_at: string }>>({
      method: 'GET',
      url: `/api/tickets/${ticketId}/events`,
      headers: admin.auth,
    });
    expect(verified.data.event).toEqual(history.body.data[0]);
    expect(verified.timestamp).toBe(
      history.body.data[0] && (history.body.data[0] as { created_at: string }).created_at,
    );
    // A tampered body fails the same check.
    expect(() =>
      new StandardWebhook(webhook.secret).verify(`${request.body} `, {
        'webhook-id': String(request.headers['webhook-id']),
        'webhook-timestamp': String(request.headers['webhook-timestamp']),
        'webhook-signature': String(request.headers['webhook-signature']),
      }),
    ).toThrow();
    const [row] = await settled(webhook.id);
    expect(row).toMatchObject({ status: 'delivered', attempts: 1, lastStatusCode: 200 });
    await done(webhook);
  });

  it('only for the event types the webhook asked for', async () => {
    const webhook = await webhookAt('/typed', ['message.created']);
    const ticketId = await openTicket('Typed');
    await ctx.request({
      method: 'POST',
      url: `/api/tickets/${ticketId}/messages`,
      headers: customer.auth,
      payload: { text: 'Any news?' },
    });
    const rows = await settled(webhook.id);
    expect(rows.map((row) => row.eventType)).toEqual(['message.created']);
    expect(receiver.at('/typed')).toHaveLength(1);
    await done(webhook);
  });
});

describe('retries', () => {
  it('retries a 500 and succeeds, with the same webhook-id and body, newly signed', async () => {
    receiver.on('/flaky', (index) => (index < 2 ? { status: 500, body: 'down' } : { status: 204 }));
    const webhook = await webhookAt('/flaky', ['ticket.created']);
    await openTicket();
    const [row] = await settled(webhook.id);
    expect(row).toMatchObject({ status: 'delivered', attempts: 3, lastStatusCode: 204, lastError: null });
    const requests = receiver.at('/flaky');
    expect(requests).toHaveLength(3);
    expect(new Set(requests.map((r) => r.headers['webhook-id'])).size).toBe(1);
    expect(new Set(requests.map((r) => r.body)).size).toBe(1);
    for (const request of requests) {
      expect(() =>
        new StandardWebhook(webhook.secret).verify(request.body, {
          'webhook-id': String(request.headers['webhook-id']),
          'webhook-timestamp': String(request.headers['webhook-timestamp']),
          'webhook-signature': String(request.headers['webhook-signature']),
        }),
      ).not.toThrow();
    }
    await done(webhook);
  });

  it('waits as long as a 429 Retry-After asks', async () => {
    receiver.on('/limited', (index) =>
      index === 0 ? { status: 429, headers: { 'retry-after': '3' } } : { status: 200 },
    );
    const webhook = await webhookAt('/limited', ['ticket.created']);
    await openTicket();
    await settled(webhook.id);
    const [first, second] = receiver.at('/limited');
    if (!first || !second) throw new Error('two requests expected');
    // The schedule says 1 s; the receiver asked for 3.
    expect(second.at - first.at).toBeGreaterThanOrEqual(2_900);
    await done(webhook);
  });

  it('fails at once on another 4xx, and stops after the schedule on 5xx', async () => {
    receiver.on('/gone', () => ({ status: 410, body: 'no such hook' }));
    receiver.on('/broken', () => ({ status: 503 }));
    const gone = await webhookAt('/gone', ['ticket.created']);
    const broken = await webhookAt('/broken', ['ticket.created']);
    await openTicket();
    const [goneRow] = await settled(gone.id);
    expect(goneRow).toMatchObject({
      status: 'failed',
      attempts: 1,
      lastStatusCode: 410,
      lastError: 'HTTP 410',
      lastResponseBody: 'no such hook',
    });
    const [brokenRow] = await settled(broken.id);
    // The first attempt and one per entry of the schedule (1,1,1).
    expect(brokenRow).toMatchObject({ status: 'failed', attempts: 4, lastStatusCode: 503 });
    expect(receiver.at('/gone')).toHaveLength(1);
    expect(receiver.at('/broken')).toHaveLength(4);
    await done(gone);
    await done(broken);
  });

  it('gives up on an answer that takes longer than the timeout, and retries', async () => {
    receiver.on('/slow', () => 'hang');
    const webhook = await webhookAt('/slow', ['ticket.created']);
    await openTicket();
    const row = await waitUntil(async () => {
      const [found] = await deliveriesOf(webhook.id);
      return found && found.attempts >= 2 && found;
    }, 20_000);
    expect(row.lastError).toBe('no answer within 1 s');
    expect(row.lastStatusCode).toBeNull();
    await done(webhook);
  });

  it('does not follow a redirect', async () => {
    receiver.on('/moved', () => ({ status: 301, headers: { location: receiver.url('/target') } }));
    const webhook = await webhookAt('/moved', ['ticket.created']);
    await openTicket();
    const [row] = await settled(webhook.id);
    expect(row).toMatchObject({ status: 'failed', attempts: 1, lastStatusCode: 301 });
    expect(row?.lastError).toContain('not followed');
    expect(receiver.at('/target')).toHaveLength(0);
    await done(webhook);
  });

  it('keeps the first 64 KiB of an answer', async () => {
    receiver.on('/chatty', () => ({ status: 200, body: 'x'.repeat(200 * 1024) }));
    const webhook = await webhookAt('/chatty', ['ticket.created']);
    await openTicket();
    const [row] = await settled(webhook.id);
    expect(row?.status).toBe('delivered');
    expect(row?.lastResponseBody).toHaveLength(64 * 1024);
    await done(webhook);
  });
});

describe('redeliver', () => {
  it('sends a delivery again with the same webhook-id, and lists it', async () => {
    const webhook = await webhookAt('/again', ['ticket.created']);
    await openTicket();
    const [row] = await settled(webhook.id);
    if (!row) throw new Error('no delivery');
    const res = await ctx.request<Ok<WebhookDeliveryView>>({
      method: 'POST',
      url: `/api/webhooks/${webhook.id}/deliveries/${row.id}/redeliver`,
      headers: admin.auth,
    });
    expect(res.status).toBe(202);
    expect(res.body.data).toMatchObject({ id: row.id, status: 'pending', message_id: row.messageId });
    await waitUntil(async () => receiver.at('/again').length === 2);
    const [first, second] = receiver.at('/again');
    expect(second?.headers['webhook-id']).toBe(first?.headers['webhook-id']);
    const list = await waitUntil(async () => {
      const page = await ctx.request<Page<WebhookDeliveryView>>({
        method: 'GET',
        url: `/api/webhooks/${webhook.id}/deliveries`,
        headers: admin.auth,
      });
      return page.body.data[0]?.attempts === 2 && page.body.data;
    });
    expect(list[0]).toMatchObject({ status: 'delivered', attempts: 2, last_status_code: 200, next_attempt_at: null });
    await done(webhook);
  });
});

describe('a webhook whose deliveries all failed for 5 days', () => {
  it('is disabled and says why; turning it on again sends what waited', async () => {
    receiver.on('/dead', () => ({ status: 500 }));
    const webhook = await webhookAt('/dead', ['ticket.created']);
    // Its run of failures began six days ago (aged in the database rather than waited for).
    await ctx.db
      .update(webhooks)
      .set({ failingSince: sql`now() - interval '6 days'` })
      .where(eq(webhooks.id, webhook.id));
    await openTicket();
    const disabled = await waitUntil(async () => {
      const res = await ctx.request<Ok<{ enabled: boolean; disabled_reason: string | null }>>({
        method: 'GET',
        url: `/api/webhooks/${webhook.id}`,
        headers: admin.auth,
      });
      return !res.body.data.enabled && res.body.data;
    });
    expect(disabled.disabled_reason).toMatch(/^Disabled .*: every delivery failed since /);
    expect(receiver.at('/dead')).toHaveLength(1);
    // Nothing more is attempted or recorded while it is off.
    await openTicket();
    expect(await deliveriesOf(webhook.id)).toHaveLength(1);
    receiver.on('/dead', () => ({ status: 200 }));
    const on = await ctx.request<Ok<{ enabled: boolean; disabled_reason: string | null }>>({
      method: 'PATCH',
      url: `/api/webhooks/${webhook.id}`,
      headers: admin.auth,
      payload: { enabled: true },
    });
    expect(on.body.data).toMatchObject({ enabled: true, disabled_reason: null });
    const [row] = await settled(webhook.id);
    expect(row?.status).toBe('delivered');
    const [fresh] = await ctx.db.select().from(webhooks).where(eq(webhooks.id, webhook.id));
    expect(fresh?.failingSince).toBeNull();
    await done(webhook);
  });
});
