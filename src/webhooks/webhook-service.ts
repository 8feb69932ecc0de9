import { isIP } from 'node:net';
import type { Caller } from '../access/caller.js';
import type { WebhookConfig } from '../config.js';
import type { Db } from '../db/client.js';
import { deliverWebhookJob } from '../jobs/deliver-webhook-job.js';
import type { JobQueue } from '../jobs/job.js';
import { decodeCursor, paginate } from '../lib/cursor.js';
import { errors } from '../lib/errors.js';
import type { Page } from '../lib/schemas.js';
import { settleWithin } from '../lib/settle-within.js';
import { isForbiddenAddress } from './address-policy.js';
import { type WebhookChanges, webhookRepository as webhooks } from './webhook-repository.js';
import {
  type CreateWebhook,
  type ListDeliveries,
  type ListWebhooks,
  toDeliveryView,
  toWebhookView,
  type UpdatedWebhookView,
  type UpdateWebhook,
  type WebhookDeliveryView,
  type WebhookView,
  type WebhookWithSecretView,
} from './webhook-schemas.js';
import { newSecret, secretKey } from './webhook-signature.js';

/** How long a redelivery waits for the queue before leaving the delivery to the sweep. */
const REDELIVER_QUEUE_WAIT_MS = 500;

/** Webhooks are an admin's: everyone else gets 403 on every route. */
export class WebhookService {
  constructor(
    private readonly db: Db,
    private readonly config: WebhookConfig,
    private readonly queue: JobQueue,
  ) {}

  /** The answer carries the secret: the only time it is shown, with a rotation's. */
  async create(caller: Caller, input: CreateWebhook): Promise<WebhookWithSecretView> {
    await checkAdmin(caller);
    this.checkUrl(input.url);
    const secret = checkedSecret(input.secret) ?? newSecret();
    const row = await webhooks.insert(this.db, {
      url: input.url,
      description: input.description ?? '',
      events: normalizeEvents(input.events),
      secret,
    });
    return { ...toWebhookView(row), secret };
  }

  async list(caller: Caller, query: ListWebhooks): Promise<Page<WebhookView>> {
    await checkAdmin(caller);
    const after = query.cursor ? decodeCursor(query.cursor) : undefined;
    const rows = await webhooks.list(this.db, { after, limit: query.limit + 1 });
    const page = paginate(rows, query.limit, (row) => ({ createdAt: row.createdAt, id: row.id }));
    return { items: page.items.map(toWebhookView), nextCursor: page.nextCursor };
  }

  async get(caller: Caller, id: number): Promise<WebhookView> {
    await checkAdmin(caller);
    const row = await webhooks.findById(this.db, id);
    if (!row) throw errors.webhookNotFound();
    return toWebhookView(row);
  }

  /** `rotate_secret` (or a `secret`) replaces the secret, and the answer shows the new one. */
  async update(caller: Caller, id: number, input: UpdateWebhook): Promise<UpdatedWebhookView> {
    await checkAdmin(caller);
    const changes: WebhookChanges = {};
    if (input.url !== undefined) changes.url = this.checkUrl(input.url);
    if (input.events !== undefined) changes.events = normalizeEvents(input.events);
    if (input.description !== undefined) changes.description = input.description;
    if (input.enabled !== undefined) changes.enabled = input.enabled;
    const rotated = input.rotate_secret || input.secret !== undefined;
    if (rotated) changes.secret = checkedSecret(input.secret) ?? newSecret();
    const row = await webhooks.update(this.db, id, changes);
    if (!row) throw errors.webhookNotFound();
    return { ...toWebhookView(row), ...(rotated ? { secret: row.secret } : {}) };
  }

  async delete(caller: Caller, id: number): Promise<void> {
    await checkAdmin(caller);
    if (!(await webhooks.delete(this.db, id))) throw errors.webhookNotFound();
  }

  async listDeliveries(caller: Caller, webhookId: number, query: ListDeliveries): Promise<Page<WebhookDeliveryView>> {
    await checkAdmin(caller);
    const before = query.cursor ? decodeCursor(query.cursor) : undefined;
    if (!(await webhooks.findById(this.db, webhookId))) throw errors.webhookNotFound();
    const rows = await webhooks.listDeliveries(this.db, webhookId, {
      status: query.status,
      before,
      limit: query.limit + 1,
    });
    const page = paginate(rows, query.limit, (row) => ({ createdAt: row.createdAt, id: row.id }));
    return { items: page.items.map(toDeliveryView), nextCursor: page.nextCursor };
  }

  /** Another round of attempts for a delivery, whatever its status: due now, the retry schedule from its start. */
  async redeliver(caller: Caller, webhookId: number, deliveryId: number): Promise<WebhookDeliveryView> {
    await checkAdmin(caller);
    if (!(await webhooks.findDelivery(this.db, webhookId, deliveryId))) throw errors.webhookDeliveryNotFound();
    const row = await webhooks.redeliver(this.db, webhookId, deliveryId);
    if (!row) throw errors.webhookDeliveryInFlight();
    // If this job is lost (or Redis is away, or slow), the sweep finds the row: it is due. An admin's click
    // waits for the queue half a second at most.
    await settleWithin(
      this.queue.enqueue(deliverWebhookJob, { deliveryId: row.id, attempt: row.attempts }),
      REDELIVER_QUEUE_WAIT_MS,
    );
    return toDeliveryView(row);
  }

  /**
   * What the schema cannot say about a URL: that it parses, and (unless private networks are allowed) that
   * it does not name this machine or a private address outright. Names are checked again at each attempt.
   */
  private checkUrl(text: string): string {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw errors.webhookInput('url', 'URL should be a valid http:// or https:// URL');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw errors.webhookInput('url', 'URL should start with http:// or https://');
    }
    if (this.config.allowPrivateNetworks) return text;
    const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
    const local = host === 'localhost' || host.endsWith('.localhost') || (isIP(host) !== 0 && isForbiddenAddress(host));
    if (local) {
      throw errors.webhookInput('url', 'URL leads to a loopback, private or link-local address, which is not allowed');
    }
    return text;
  }
}

/** `*` covers every type: stored alone. */
function normalizeEvents(events: string[]): string[] {
  return events.includes('*') ? ['*'] : events;
}

function checkedSecret(secret: string | undefined): string | undefined {
  if (secret === undefined) return undefined;
  if (!secretKey(secret)) throw errors.webhookInput('secret', 'Secret should be whsec_ + base64 of 24 to 64 bytes');
  return secret;
}

async function checkAdmin(caller: Caller): Promise<void> {
  if ((await caller.user()).role !== 'admin') throw errors.forbidden();
}
