import { type Static, Type } from 'typebox';
import { ticketEventType, type WebhookDeliveryRow, type WebhookRow, webhookDeliveryStatus } from '../db/schema.js';
import { Id, Nullable, PageQuery, Timestamp } from '../lib/schemas.js';
import { NO_NUL } from '../lib/validation.js';

/** The contract of webhooks: endpoints that receive ticket events, and their deliveries. */

/** Event types a webhook can subscribe to (those of ticket_events), or `*` for all, now and later. */
export const WebhookEventName = Type.Enum([...ticketEventType.enumValues, '*']);

const Url = Type.String({
  format: 'uri',
  minLength: 8,
  maxLength: 2000,
  pattern: '^[hH][tT][tT][pP][sS]?://[^\\s]+$',
  description:
    'http:// or https://. Unless WEBHOOK_ALLOW_PRIVATE_NETWORKS=true, it must not lead to a loopback, ' +
    'private or link-local address (checked again at each attempt). Redirects are not followed.',
});
const Events = Type.Array(WebhookEventName, {
  minItems: 1,
  maxItems: ticketEventType.enumValues.length + 1,
  uniqueItems: true,
  description: 'Event types to receive, or ["*"] for every type.',
});
const Description = Type.String({ maxLength: 500, pattern: NO_NUL });
const Secret = Type.String({
  pattern: '^whsec_[A-Za-z0-9+/]{32,88}={0,2}$',
  description: '`whsec_` + base64 of 24 to 64 random bytes; generated (32 bytes) when not given.',
});

export const Webhook = Type.Object({
  id: Id,
  url: Type.String(),
  description: Type.String(),
  events: Type.Array(WebhookEventName),
  enabled: Type.Boolean(),
  disabled_reason: Nullable(Type.String(), {
    description: 'Why the server disabled it (every delivery failed for 5 days); null otherwise.',
  }),
  created_at: Timestamp,
  updated_at: Timestamp,
});

export const WebhookWithSecret = Type.Object({
  ...Webhook.properties,
  secret: Type.String({ description: 'The signing secret: shown in this answer only.' }),
});

/** A PATCH's answer: the secret only when it was rotated. */
export const UpdatedWebhook = Type.Object({
  ...Webhook.properties,
  secret: Type.Optional(
    Type.String({ description: 'The new signing secret, when rotated: shown in this answer only.' }),
  ),
});

export const CreateWebhookBody = Type.Object(
  { url: Url, events: Events, description: Type.Optional(Description), secret: Type.Optional(Secret) },
  {
    additionalProperties: false,
    examples: [{ url: 'https://hooks.example.com/desk', events: ['ticket.created', 'message.created'] }],
  },
);

export const UpdateWebhookBody = Type.Object(
  {
    url: Type.Optional(Url),
    events: Type.Optional(Events),
    description: Type.Optional(Description),
    enabled: Type.Optional(Type.Boolean({ description: 'true also clears disabled_reason.' })),
    rotate_secret: Type.Optional(
      Type.Literal(true, { description: 'A new generated secret (or `secret`), returned in this answer.' }),
    ),
    secret: Type.Optional(Secret),
  },
  { additionalProperties: false, minProperties: 1, examples: [{ rotate_secret: true }] },
);

export const ListWebhooksQuery = Type.Object({ ...PageQuery }, { additionalProperties: false });

export const WebhookDeliveryStatus = Type.Enum(webhookDeliveryStatus.enumValues);

export const WebhookDelivery = Type.Object({
  id: Type.Integer({ minimum: 1 }),
  webhook_id: Id,
  event_id: Type.Integer({ minimum: 1 }),
  event_type: Type.Enum(ticketEventType.enumValues),
  message_id: Type.String({ description: 'The webhook-id header: the same for every attempt of this delivery.' }),
  status: WebhookDeliveryStatus,
  attempts: Type.Integer({ minimum: 0 }),
  next_attempt_at: Nullable(Timestamp, { description: 'When a pending delivery is tried next; null otherwise.' }),
  last_attempt_at: Nullable(Timestamp),
  last_status_code: Nullable(Type.Integer(), { description: "The receiver's last HTTP status; null if none." }),
  last_error: Nullable(Type.String()),
  last_response_body: Nullable(Type.String({ description: "The receiver's last answer, its first 64 KiB." })),
  delivered_at: Nullable(Timestamp),
  created_at: Timestamp,
});

export const ListDeliveriesQuery = Type.Object(
  { status: Type.Optional(WebhookDeliveryStatus), ...PageQuery },
  { additionalProperties: false },
);

export type WebhookView = Static<typeof Webhook>;
export type WebhookWithSecretView = Static<typeof WebhookWithSecret>;
export type UpdatedWebhookView = Static<typeof UpdatedWebhook>;
export type CreateWebhook = Static<typeof CreateWebhookBody>;
export type UpdateWebhook = Static<typeof UpdateWebhookBody>;
export type ListWebhooks = Static<typeof ListWebhooksQuery>;
export type WebhookDeliveryView = Static<typeof WebhookDelivery>;
export type ListDeliveries = Static<typeof ListDeliveriesQuery>;
export type WebhookEventNameValue = Static<typeof WebhookEventName>;

export function toWebhookView(row: WebhookRow): WebhookView {
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    events: row.events as WebhookEventNameValue[],
    enabled: row.enabled,
    disabled_reason: row.disabledReason,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

const iso = (date: Date | null) => (date ? date.toISOString() : null);

export function toDeliveryView(row: WebhookDeliveryRow): WebhookDeliveryView {
  return {
    id: row.id,
    webhook_id: row.webhookId,
    event_id: row.eventId,
    event_type: row.eventType,
    message_id: row.messageId,
    status: row.status,
    attempts: row.attempts,
    next_attempt_at: row.status === 'pending' ? row.nextAttemptAt.toISOString() : null,
    last_attempt_at: iso(row.lastAttemptAt),
    last_status_code: row.lastStatusCode,
    last_error: row.lastError,
    last_response_body: row.lastResponseBody,
    delivered_at: iso(row.deliveredAt),
    created_at: row.createdAt.toISOString(),
  };
}
