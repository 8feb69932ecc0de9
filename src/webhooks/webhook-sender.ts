import type { FastifyBaseLogger } from 'fastify';
import type { WebhookConfig } from '../config.js';
import type { Db } from '../db/client.js';
import type { WebhookDeliveryRow, WebhookRow } from '../db/schema.js';
import { deliverWebhookJob } from '../jobs/deliver-webhook-job.js';
import type { JobQueue } from '../jobs/job.js';
import { webhookDeliveries } from '../lib/metrics.js';
import { currentRequestId, runWithRequest } from '../lib/request-context.js';
import { whileUnavailable } from '../lib/while-unavailable.js';
import { RefusedAddress, resolveTarget } from './address-policy.js';
import { type AttemptRecord, type ClaimedDelivery, deliveryRepository as deliveries } from './delivery-repository.js';
import { type AttemptVerdict, verdict } from './retry-policy.js';
import { postWebhook, type WebhookResponse } from './webhook-client.js';
import { renderPayload } from './webhook-payload.js';
import { signedHeaders } from './webhook-signature.js';

/** A webhook whose every delivery failed this long is disabled. */
export const DISABLE_AFTER_MS = 5 * 24 * 3600 * 1000;
/** A claim outlives the longest attempt (the timeout) by far, so a live sender never loses it. */
const LEASE_SLACK_MS = 60_000;
/** The attempt's record is retried through a database outage until this long before the claim runs out. */
const RECORD_MARGIN_MS = 5_000;

export type DeliveryOutcome = 'delivered' | 'retry' | 'failed' | 'skipped';

interface Exchange {
  response?: WebhookResponse;
  error?: string;
  /** The address was refused: that will not get better by itself. */
  refused?: boolean;
}

/**
 * Sends webhook deliveries (the `deliver-webhook` job) and queues what is due (the `sweep-webhooks` job and
 * the delivery waker). A delivery is claimed by one sender at a time; it is sent again only if a sender
 * dies between the receiver's 2xx and recording it, and then with the same webhook-id and body.
 */
export class WebhookSender {
  constructor(
    private readonly config: WebhookConfig,
    private readonly db: Db,
    private readonly staffEmail: string,
    private readonly queue: JobQueue,
    private readonly log: FastifyBaseLogger,
  ) {}

  /** One attempt at one delivery. Safe to call any number of times, from any number of workers. */
  async deliverOne(id: number): Promise<DeliveryOutcome> {
    const leaseMs = this.config.timeoutMs + LEASE_SLACK_MS;
    const claimedBy = Date.now() + leaseMs - RECORD_MARGIN_MS;
    const delivery = await deliveries.claim(this.db, id, leaseMs);
    if (!delivery) return 'skipped';
    // The attempt logs under the request that caused it: a redelivery's own, else the event's (a worker
    // sending a delivery the waker queued has no request of its own).
    const reqId = currentRequestId() ?? delivery.requestId;
    if (reqId === null) return this.attempt(delivery, claimedBy);
    return runWithRequest({ reqId }, () => this.attempt(delivery, claimedBy));
  }

  private async attempt(delivery: ClaimedDelivery, claimedBy: number): Promise<DeliveryOutcome> {
    const id = delivery.id;
    const webhook = await deliveries.findWebhook(this.db, delivery.webhookId);
    const body = delivery.payload ?? (await this.fixPayload(delivery));
    const exchange: Exchange =
      webhook && body !== undefined
        ? await this.exchange(webhook, delivery, body)
        : { error: 'the event or its webhook no longer exists', refused: true };
    const outcome: AttemptVerdict =
      exchange.refused === true
        ? { kind: 'failed', error: exchange.error ?? 'refused' }
        : verdict(exchange.response, exchange.error, delivery.retryStep, this.config.retryScheduleMs);
    // After a 2xx the record must land, or the claim runs out and the next sender delivers it again: a
    // database restart at that moment made the soak's receiver see 8 deliveries twice.
    await whileUnavailable(() => this.record(delivery, exchange, outcome), claimedBy);
    if (outcome.kind === 'retry') {
      await this.queue
        .enqueue(deliverWebhookJob, { deliveryId: id, attempt: delivery.attempts + 1 }, { delayMs: outcome.inMs })
        .catch((error: unknown) => this.log.warn({ err: error, deliveryId: id }, 'could not queue the retry'));
    }
    return outcome.kind;
  }

  private async fixPayload(delivery: WebhookDeliveryRow): Promise<string | undefined> {
    const body = await renderPayload(this.db, this.staffEmail, delivery.eventId);
    if (body !== undefined) await deliveries.savePayload(this.db, delivery.id, body);
    return body;
  }

  private async exchange(webhook: WebhookRow, delivery: WebhookDeliveryRow, body: string): Promise<Exchange> {
    try {
      const url = new URL(webhook.url);
      const target = await resolveTarget(url.hostname, this.config.allowPrivateNetworks);
      const headers = {
        'content-type': 'application/json',
        'user-agent': 'ServiceDesk-Webhooks/1',
        ...signedHeaders(webhook.secret, delivery.messageId, Math.floor(Date.now() / 1000), body),
      };
      return { response: await postWebhook({ url, target, headers, body, timeoutMs: this.config.timeoutMs }) };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return { error: message, refused: error instanceof RefusedAddress };
    }
  }

  /** The attempt, and what it means for the webhook (a success ends its failures; 5 days of them disable it). */
  private async record(delivery: WebhookDeliveryRow, exchange: Exchange, outcome: AttemptVerdict): Promise<void> {
    const record: AttemptRecord = {
      statusCode: exchange.response?.status ?? null,
      responseBody: exchange.response?.body ?? null,
      verdict: outcome,
    };
    const disabled = await this.db.transaction(async (tx) => {
      await deliveries.recordAttempt(tx, delivery.id, record);
      if (outcome.kind === 'delivered') {
        await deliveries.markWebhookHealthy(tx, delivery.webhookId);
        return undefined;
      }
      return deliveries.markWebhookFailing(tx, delivery.webhookId, DISABLE_AFTER_MS);
    });
    webhookDeliveries.inc({ outcome: outcome.kind });
    const fields = { deliveryId: delivery.id, webhookId: delivery.webhookId, status: record.statusCode };
    if (outcome.kind === 'delivered') this.log.info(fields, 'webhook delivered');
    else this.log.warn({ ...fields, outcome: outcome.kind, error: outcome.error }, 'webhook attempt failed');
    if (disabled) this.log.warn({ webhookId: delivery.webhookId, reason: disabled }, 'webhook disabled');
  }

  /** Queues every due delivery; job ids carry the attempt, so one already queued is not queued twice. */
  async sweep(): Promise<number> {
    const due = await deliveries.findDue(this.db, 500);
    for (const row of due) {
      await this.queue.enqueue(deliverWebhookJob, { deliveryId: row.id, attempt: row.attempts });
    }
    return due.length;
  }
}
