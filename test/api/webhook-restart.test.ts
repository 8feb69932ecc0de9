import { eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { webhookDeliveries } from '../../src/db/schema.js';
import type { WebhookWithSecretView } from '../../src/webhooks/webhook-schemas.js';
import { type Ok, TestContext, type TestUser } from '../helpers/context.js';
import { waitUntil } from '../helpers/wait.js';
import { WebhookReceiver } from '../helpers/webhook-receiver.js';

// The API (which runs the jobs here: no Redis) stops in the middle of deliveries and starts again on the
// same database: the outbox rows are the state, so nothing is lost and nothing already answered 2xx is sent again.
let ctx: TestContext;
let receiver: WebhookReceiver;
let admin: TestUser;
let customer: TestUser;
let second: FastifyInstance | undefined;
beforeAll(async () => {
  ctx = await TestContext.create({ WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true', WEBHOOK_RETRY_SCHEDULE: '1,1,1' });
  receiver = await WebhookReceiver.start();
  admin = await ctx.newUser('admin');
  customer = await ctx.newUser('customer');
});
afterAll(async () => {
  await second?.close();
  await ctx.close();
  await receiver.close();
});

describe('a restart of the API', () => {
  it('loses no delivery and sends none twice after a 2xx', async () => {
    // Each delivery's first attempt fails (503), its retry succeeds.
    const answered = new Set<string>();
    receiver.on('/restart', (_index, request) => {
      const id = String(request.headers['webhook-id']);
      if (answered.has(id)) return { status: 200 };
      answered.add(id);
      return { status: 503 };
    });
    await ctx.app.services.background.start();
    const created = await ctx.request<Ok<WebhookWithSecretView>>({
      method: 'POST',
      url: '/api/webhooks',
      headers: admin.auth,
      payload: { url: receiver.url('/restart'), events: ['ticket.created'] },
    });
    const webhookId = created.body.data.id;
    for (let i = 0; i < 3; i += 1) await ctx.newTicket(customer);
    await waitUntil(async () => answered.size === 3);
    // Stopped while the retries wait (their timers die with the process).
    await ctx.app.close();
    // Events recorded while no API runs, as another process would.
    for (let i = 0; i < 2; i += 1) await ctx.newTicket(customer);
    second = await buildApp({ config: ctx.config, database: ctx.database });
    await second.ready();
    await second.services.background.start();
    const rows = await waitUntil(async () => {
      const found = await ctx.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.webhookId, webhookId));
      return found.length === 5 && found.every((row) => row.status === 'delivered') && found;
    }, 30_000);
    const requests = receiver.at('/restart');
    const successes = requests.filter((request) => request.status === 200).map((r) => r.headers['webhook-id']);
    expect(successes.sort()).toEqual(rows.map((row) => row.messageId).sort());
    expect(new Set(successes).size).toBe(5);
  });
});
