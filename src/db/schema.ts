import { getTableColumns, type SQL, sql } from 'drizzle-orm';
import {
  type AnyPgColumn,
  bigint,
  boolean,
  customType,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  timestamp,
  unique,
  uniqueIndex,
  uuid,
  varchar,
} from 'drizzle-orm/pg-core';

export const userRole = pgEnum('user_role', ['customer', 'operator', 'admin']);
export const ticketStatus = pgEnum('ticket_status', ['open', 'in_progress', 'closed']);
/** Declared low to high: PostgreSQL orders an enum by declaration, so `order by priority desc` is urgent first. */
export const ticketPriority = pgEnum('ticket_priority', ['low', 'normal', 'high', 'urgent']);
/** How a ticket or a message arrived. */
export const messageChannel = pgEnum('message_channel', ['api', 'email']);

/**
 * Millisecond precision on purpose: JavaScript dates hold milliseconds, so a keyset cursor built from a
 * row's timestamp compares exactly equal to the stored value (microseconds would be truncated and skip rows).
 */
const timestamps = {
  createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
};

export const users = pgTable(
  'users',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    /** Stored lower-cased: mail systems treat addresses case-insensitively in practice. */
    email: varchar('email', { length: 254 }).notNull(),
    username: varchar('username', { length: 50 }).notNull(),
    /**
     * The username in the form names are compared in (users/username.ts: NFKC, lower case), computed in
     * JavaScript only: unique, and what logins and "taken" checks look up. Text: NFKC may lengthen a name.
     */
    usernameNormalized: text('username_normalized').notNull(),
    /** Null for accounts created from an inbound email, until the customer sets a password. */
    passwordHash: text('password_hash'),
    role: userRole('role').notNull().default('customer'),
    isActive: boolean('is_active').notNull().default(true),
    /** Bumped on password change or deactivation: tokens carry it, so old tokens stop working. */
    tokenVersion: integer('token_version').notNull().default(0),
    /**
     * When the account proved it owns `email` (a verification link, a password reset, or an admin). Until
     * then it does not get what arrived by mail from that address (see access/ticket-access.ts).
     */
    emailVerifiedAt: timestamp('email_verified_at', { withTimezone: true, precision: 3 }),
    ...timestamps,
  },
  (t) => [
    uniqueIndex('users_email_key').on(t.email),
    uniqueIndex('users_username_normalized_key').on(t.usernameNormalized),
    index('users_created_at_id_idx').on(t.createdAt, t.id),
    index('users_role_created_at_id_idx').on(t.role, t.createdAt, t.id),
  ],
);

/** A full-text search document (see `searchDocument`). */
const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' });

/**
 * The search document of a text: the `russian` configuration stems Russian words and, for words in Latin
 * letters, uses the English stemmer, so one column serves both languages ("принтера" finds "принтер",
 * "printers" finds "printer"). A generated column: it can never disagree with the text.
 */
const searchDocument = (text: SQL) => sql`to_tsvector('russian'::regconfig, ${text})`;

/** Queues or teams of staff; a ticket belongs to at most one. */
export const groups = pgTable(
  'groups',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    name: varchar('name', { length: 100 }).notNull(),
    description: text('description').notNull().default(''),
    ...timestamps,
  },
  (t) => [uniqueIndex('groups_name_lower_key').on(sql`lower(${t.name})`)],
);

/** Business hours of an SLA policy (sla/business-hours.ts): its zone, ISO weekdays and local HH:MM window. */
export interface SlaBusinessHours {
  timezone: string;
  days: number[];
  start: string;
  end: string;
}

/**
 * Service-level targets (src/sla): one policy per priority, and one for any priority (null), which a
 * ticket takes when its own priority has none. NULLS NOT DISTINCT: there is at most one null one too.
 */
export const slaPolicies = pgTable(
  'sla_policies',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    name: varchar('name', { length: 100 }).notNull(),
    priority: ticketPriority('priority'),
    firstResponseMinutes: integer('first_response_minutes').notNull(),
    resolutionMinutes: integer('resolution_minutes').notNull(),
    businessHours: jsonb('business_hours').$type<SlaBusinessHours>(),
    ...timestamps,
  },
  (t) => [unique('sla_policies_priority_key').on(t.priority).nullsNotDistinct()],
);

export const tickets = pgTable(
  'tickets',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    subject: varchar('subject', { length: 255 }).notNull(),
    description: text('description').notNull(),
    status: ticketStatus('status').notNull().default('open'),
    creatorId: integer('creator_id')
      .notNull()
      .references(() => users.id),
    operatorId: integer('operator_id').references(() => users.id),
    /** A ticket opened by mail belongs to the sender's address: an unverified account does not see it. */
    channel: messageChannel('channel').notNull().default('api'),
    priority: ticketPriority('priority').notNull().default('normal'),
    /** Normalised (tickets/tags.ts): trimmed, lower case, unique, sorted. */
    tags: text('tags').array().notNull().default(sql`'{}'::text[]`),
    groupId: integer('group_id').references(() => groups.id, { onDelete: 'set null' }),
    /** Set when the ticket was merged into another: its messages moved there, and mail to it lands there. */
    mergedIntoId: integer('merged_into_id').references((): AnyPgColumn => tickets.id),
    search: tsvector('search')
      .notNull()
      .generatedAlwaysAs((): SQL => searchDocument(sql`${tickets.subject} || ' ' || ${tickets.description}`)),
    /** Bumped on every change: the ETag, so a stale PATCH (If-Match) is refused instead of overwriting. */
    version: integer('version').notNull().default(1),
    /** `<caller id>:<Idempotency-Key>` of the request that created it: a retried POST finds it, never a twin. */
    idempotencyKey: varchar('idempotency_key', { length: 300 }),
    // Its SLA (src/sla): the policy it runs under (none: no SLA), the due times computed from it, when the
    // resolution clock (re)started (creation, the last reopening), the first public staff answer, and when
    // each breach was noticed (null: not breached). Computed in the transaction of the change that moves them.
    slaPolicyId: integer('sla_policy_id').references(() => slaPolicies.id, { onDelete: 'set null' }),
    slaFirstResponseDueAt: timestamp('sla_first_response_due_at', { withTimezone: true, precision: 3 }),
    slaResolutionStartedAt: timestamp('sla_resolution_started_at', { withTimezone: true, precision: 3 }),
    slaResolutionDueAt: timestamp('sla_resolution_due_at', { withTimezone: true, precision: 3 }),
    slaFirstRespondedAt: timestamp('sla_first_responded_at', { withTimezone: true, precision: 3 }),
    slaFirstResponseBreachedAt: timestamp('sla_first_response_breached_at', { withTimezone: true, precision: 3 }),
    slaResolutionBreachedAt: timestamp('sla_resolution_breached_at', { withTimezone: true, precision: 3 }),
    ...timestamps,
  },
  (t) => [
    // The breach sweep and `sla=due_within` look for tickets due soon among those not yet breached.
    index('tickets_sla_first_response_due_idx')
      .on(t.slaFirstResponseDueAt)
      .where(sql`${t.slaFirstRespondedAt} IS NULL AND ${t.slaFirstResponseBreachedAt} IS NULL`),
    index('tickets_sla_resolution_due_idx').on(t.slaResolutionDueAt).where(sql`${t.slaResolutionBreachedAt} IS NULL`),
    index('tickets_sla_policy_id_idx').on(t.slaPolicyId),
    uniqueIndex('tickets_idempotency_key_key').on(t.idempotencyKey).where(sql`${t.idempotencyKey} IS NOT NULL`),
    // One index per list query: all tickets, by status, a customer's own (optionally by status).
    index('tickets_created_at_id_idx').on(t.createdAt, t.id),
    index('tickets_status_created_at_id_idx').on(t.status, t.createdAt, t.id),
    index('tickets_creator_created_at_id_idx').on(t.creatorId, t.createdAt, t.id),
    index('tickets_operator_created_at_id_idx').on(t.operatorId, t.createdAt, t.id),
    index('tickets_group_created_at_id_idx').on(t.groupId, t.createdAt, t.id),
    index('tickets_priority_created_at_id_idx').on(t.priority, t.createdAt, t.id),
    index('tickets_updated_at_id_idx').on(t.updatedAt, t.id),
    index('tickets_merged_into_id_idx').on(t.mergedIntoId),
    index('tickets_tags_idx').using('gin', t.tags),
    index('tickets_search_idx').using('gin', t.search),
  ],
);

export const messages = pgTable(
  'messages',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    ticketId: integer('ticket_id')
      .notNull()
      .references(() => tickets.id, { onDelete: 'cascade' }),
    authorId: integer('author_id')
      .notNull()
      .references(() => users.id),
    text: text('text').notNull(),
    /** Internal notes are for operators only: never shown to customers, never emailed. */
    internal: boolean('internal').notNull().default(false),
    channel: messageChannel('channel').notNull().default('api'),
    idempotencyKey: varchar('idempotency_key', { length: 300 }),
    search: tsvector('search')
      .notNull()
      .generatedAlwaysAs((): SQL => searchDocument(sql`${messages.text}`)),
    createdAt: timestamps.createdAt,
  },
  (t) => [
    index('messages_search_idx').using('gin', t.search),
    uniqueIndex('messages_idempotency_key_key').on(t.idempotencyKey).where(sql`${t.idempotencyKey} IS NOT NULL`),
    index('messages_ticket_created_at_id_idx').on(t.ticketId, t.createdAt, t.id),
    // Also the per-author hourly limit: the newest messages of an author.
    index('messages_author_created_at_idx').on(t.authorId, t.createdAt),
  ],
);

/** Raw bytes (attachments): node-postgres and PGlite both hand bytea back as a Buffer/Uint8Array. */
const bytea = customType<{ data: Buffer; driverData: Buffer | Uint8Array }>({
  dataType: () => 'bytea',
  fromDriver: (value: Buffer | Uint8Array) => (Buffer.isBuffer(value) ? value : Buffer.from(value)),
});

export const mailDirection = pgEnum('mail_direction', ['inbound', 'outbound']);
export const mailOutcome = pgEnum('mail_outcome', ['ticket_created', 'reply_added', 'dropped', 'duplicate', 'sent']);
export const outboxKind = pgEnum('outbox_kind', ['reply', 'acknowledgement', 'verification', 'password_reset']);
export const outboxStatus = pgEnum('outbox_status', ['pending', 'sent', 'failed']);

/** Files that came with an email. Kept in the database: one transaction records a mail and everything in it. */
export const attachments = pgTable(
  'attachments',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    ticketId: integer('ticket_id')
      .notNull()
      .references(() => tickets.id, { onDelete: 'cascade' }),
    /** Null for the files of the mail that opened the ticket (they belong to its description). */
    messageId: integer('message_id').references(() => messages.id, { onDelete: 'cascade' }),
    filename: varchar('filename', { length: 255 }).notNull(),
    contentType: varchar('content_type', { length: 255 }).notNull(),
    size: integer('size').notNull(),
    content: bytea('content').notNull(),
    createdAt: timestamps.createdAt,
  },
  (t) => [index('attachments_ticket_id_idx').on(t.ticketId, t.id), index('attachments_message_id_idx').on(t.messageId)],
);

/**
 * Every mail seen in a mailbox or sent, with what became of it. The Message-ID is unique per mailbox and
 * direction, which makes fetching the same mail again (after a crash before it was marked \Seen) a no-op.
 */
export const emailMessages = pgTable(
  'email_messages',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    mailbox: varchar('mailbox', { length: 254 }).notNull(),
    direction: mailDirection('direction').notNull(),
    headerMessageId: varchar('header_message_id', { length: 998 }).notNull(),
    inReplyTo: text('in_reply_to'),
    references: text('references'),
    fromAddress: varchar('from_address', { length: 254 }),
    toAddresses: text('to_addresses'),
    subject: text('subject').notNull().default(''),
    /** The whole text body; the ticket message keeps only the new part of a reply. */
    bodyText: text('body_text'),
    sizeBytes: integer('size_bytes'),
    outcome: mailOutcome('outcome').notNull(),
    reason: text('reason'),
    ticketId: integer('ticket_id').references(() => tickets.id, { onDelete: 'set null' }),
    ticketMessageId: integer('ticket_message_id').references(() => messages.id, { onDelete: 'set null' }),
    /** For a bounce: the mail of ours that it returns. */
    bounceOfId: integer('bounce_of_id'),
    uidValidity: bigint('uid_validity', { mode: 'number' }),
    uid: bigint('uid', { mode: 'number' }),
    createdAt: timestamps.createdAt,
  },
  (t) => [
    // Per sender: a Message-ID someone else sent first (a predictable one) cannot suppress the real mail.
    uniqueIndex('email_messages_mailbox_direction_sender_message_id_key')
      .on(t.mailbox, t.direction, sql`coalesce(${t.fromAddress}, '')`, t.headerMessageId)
      .where(sql`${t.outcome} <> 'duplicate'`),
    index('email_messages_from_created_at_idx').on(t.fromAddress, t.createdAt),
    index('email_messages_message_id_idx').on(t.headerMessageId),
    index('email_messages_ticket_id_idx').on(t.ticketId),
    index('email_messages_ticket_message_id_idx').on(t.ticketMessageId),
    index('email_messages_bounce_of_id_idx').on(t.bounceOfId),
    index('email_messages_created_at_id_idx').on(t.createdAt, t.id),
    index('email_messages_mailbox_uid_idx').on(t.mailbox, t.uidValidity, t.uid),
  ],
);

/**
 * Mail waiting to be sent. Written in the same transaction as the message it carries, so an answer is
 * never lost between the database and the queue; the Message-ID is fixed here, so a retry reuses it.
 */
export const outbox = pgTable(
  'outbox',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    kind: outboxKind('kind').notNull(),
    /** Null for mail about an account (verification, password reset). */
    ticketId: integer('ticket_id').references(() => tickets.id, { onDelete: 'cascade' }),
    messageId: integer('message_id').references(() => messages.id, { onDelete: 'cascade' }),
    toAddress: varchar('to_address', { length: 254 }).notNull(),
    toName: varchar('to_name', { length: 200 }).notNull().default(''),
    subject: text('subject').notNull(),
    bodyText: text('body_text').notNull(),
    headerMessageId: varchar('header_message_id', { length: 998 }).notNull(),
    inReplyTo: text('in_reply_to'),
    references: text('references'),
    status: outboxStatus('status').notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    lastError: text('last_error'),
    /** A sender's claim on the row: others leave it alone until then (a crashed sender's claim expires). */
    lockedUntil: timestamp('locked_until', { withTimezone: true, precision: 3 }),
    sentAt: timestamp('sent_at', { withTimezone: true, precision: 3 }),
    /** The request that wrote the mail (an operator's answer): its sender's log lines carry it, queued or swept. */
    requestId: text('request_id'),
    ...timestamps,
  },
  (t) => [
    uniqueIndex('outbox_header_message_id_key').on(t.headerMessageId),
    index('outbox_status_next_attempt_idx').on(t.status, t.nextAttemptAt),
    index('outbox_ticket_id_idx').on(t.ticketId),
    index('outbox_message_id_idx').on(t.messageId),
    index('outbox_to_kind_created_idx').on(t.toAddress, t.kind, t.createdAt),
    // The outbox list, newest first (keyset on created_at, id).
    index('outbox_created_at_id_idx').on(t.createdAt, t.id),
  ],
);

/**
 * Responses to POSTs sent with an Idempotency-Key, per caller (per client address when anonymous), kept 24 hours: the same key and request get
 * the first response again. `status` null while the first request is still running.
 */
export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    /** The caller's user id, or 0 for an anonymous caller (then the request body must match too). */
    userId: integer('user_id').notNull(),
    /** An anonymous caller's client address ('' for a user): anonymous keys are scoped per client. */
    client: varchar('client', { length: 64 }).notNull().default(''),
    key: varchar('key', { length: 255 }).notNull(),
    requestHash: varchar('request_hash', { length: 64 }).notNull(),
    status: integer('status'),
    body: text('body'),
    createdAt: timestamps.createdAt,
  },
  (t) => [
    uniqueIndex('idempotency_keys_user_client_key_key').on(t.userId, t.client, t.key),
    index('idempotency_keys_created_at_idx').on(t.createdAt),
  ],
);

export const emailTokenPurpose = pgEnum('email_token_purpose', ['verify_email', 'reset_password']);

/**
 * Single-use secrets sent by mail to prove an address: a verification link, a password reset. Only a hash
 * is stored, so the table gives nothing away; a token is for the address it was sent to.
 */
export const emailTokens = pgTable(
  'email_tokens',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    purpose: emailTokenPurpose('purpose').notNull(),
    email: varchar('email', { length: 254 }).notNull(),
    /** SHA-256 of the token, hex. */
    tokenHash: varchar('token_hash', { length: 64 }).notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true, precision: 3 }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true, precision: 3 }),
    createdAt: timestamps.createdAt,
  },
  (t) => [
    uniqueIndex('email_tokens_token_hash_key').on(t.tokenHash),
    index('email_tokens_user_id_idx').on(t.userId),
    index('email_tokens_email_created_at_idx').on(t.email, t.createdAt),
  ],
);

/**
 * Addresses that may write on a ticket by mail besides its creator: the people a customer's mail was sent to
 * or copied to (a colleague on Cc). A reply from anyone else never lands on the ticket.
 */
export const ticketParticipants = pgTable(
  'ticket_participants',
  {
    ticketId: integer('ticket_id')
      .notNull()
      .references(() => tickets.id, { onDelete: 'cascade' }),
    address: varchar('address', { length: 254 }).notNull(),
    createdAt: timestamps.createdAt,
  },
  (t) => [primaryKey({ columns: [t.ticketId, t.address] })],
);

export const groupMembers = pgTable(
  'group_members',
  {
    groupId: integer('group_id')
      .notNull()
      .references(() => groups.id, { onDelete: 'cascade' }),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: timestamps.createdAt,
  },
  (t) => [primaryKey({ columns: [t.groupId, t.userId] }), index('group_members_user_id_idx').on(t.userId)],
);

export const ticketEventType = pgEnum('ticket_event_type', [
  'ticket.created',
  'ticket.updated',
  'message.created',
  'note.created',
  'email.received',
  'email.sent',
  'ticket.merged',
  'sla.breached',
]);

/** A field's value in a ticket's history: a status or priority, an id, the tag list, or none. */
export type TicketFieldValue = string | number | string[] | null;
/** `{field: {from, to}}` of a `ticket.updated` event; a merge says which tickets. */
export type TicketEventChanges = Record<string, { from: TicketFieldValue; to: TicketFieldValue }>;

/**
 * Everything that happened to a ticket, written in the same transaction as the change it records (no change
 * without its event, no event without its change). The id is global and increasing: history pages by it,
 * and what follows changes (live events, webhooks, SLA) resumes from it.
 */
export const ticketEvents = pgTable(
  'ticket_events',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    ticketId: integer('ticket_id')
      .notNull()
      .references(() => tickets.id, { onDelete: 'cascade' }),
    type: ticketEventType('type').notNull(),
    /** Null: the system (a job, a rule), not a person. */
    actorId: integer('actor_id').references(() => users.id),
    changes: jsonb('changes').$type<TicketEventChanges>().notNull().default({}),
    messageId: integer('message_id').references(() => messages.id, { onDelete: 'set null' }),
    /**
     * The API request that made the change (its request id), so what the event causes later (a webhook
     * delivery, sent by a worker) logs under the same id. Null for the system's own changes (jobs, mail).
     */
    requestId: text('request_id'),
    createdAt: timestamps.createdAt,
  },
  (t) => [
    index('ticket_events_ticket_id_id_idx').on(t.ticketId, t.id),
    index('ticket_events_actor_id_idx').on(t.actorId),
    index('ticket_events_message_id_idx').on(t.messageId),
  ],
);

/** Answers an operator keeps for reuse; `shared` ones every member of staff sees. */
export const cannedResponses = pgTable(
  'canned_responses',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    authorId: integer('author_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    title: varchar('title', { length: 200 }).notNull(),
    text: text('text').notNull(),
    shared: boolean('shared').notNull().default(false),
    ...timestamps,
  },
  (t) => [
    index('canned_responses_author_title_idx').on(t.authorId, t.title, t.id),
    index('canned_responses_shared_title_idx').on(t.title, t.id).where(sql`${t.shared}`),
  ],
);

/** Endpoints that receive ticket events (src/webhooks), signed as Standard Webhooks specifies. */
export const webhooks = pgTable(
  'webhooks',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    url: text('url').notNull(),
    description: varchar('description', { length: 500 }).notNull().default(''),
    /** Event types (`ticket_event_type` values) or `*` for all; text, since `*` is no event type. */
    events: text('events').array().notNull(),
    /** `whsec_` + base64 of the key: kept readable, since every delivery is signed with it. */
    secret: text('secret').notNull(),
    enabled: boolean('enabled').notNull().default(true),
    /** Why it was disabled by the system (every delivery failed for days); null when an admin did it or it is on. */
    disabledReason: text('disabled_reason'),
    /** Since when every attempt failed (null after a success): what disables a dead endpoint. */
    failingSince: timestamp('failing_since', { withTimezone: true, precision: 3 }),
    ...timestamps,
  },
  (t) => [index('webhooks_created_at_id_idx').on(t.createdAt, t.id)],
);

export const webhookDeliveryStatus = pgEnum('webhook_delivery_status', ['pending', 'delivered', 'failed']);

/**
 * The webhooks' outbox: one row per (webhook, event), written by a trigger on ticket_events in the very
 * transaction that records the event (migration 0010), sent by the `deliver-webhook` job.
 */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    webhookId: integer('webhook_id')
      .notNull()
      .references(() => webhooks.id, { onDelete: 'cascade' }),
    eventId: bigint('event_id', { mode: 'number' })
      .notNull()
      .references(() => ticketEvents.id, { onDelete: 'cascade' }),
    eventType: ticketEventType('event_type').notNull(),
    /** The `webhook-id` header: the same for every attempt, so a receiver can drop a repeat. */
    messageId: text('message_id').notNull().default(sql`('msg_' || replace(gen_random_uuid()::text, '-', ''))`),
    status: webhookDeliveryStatus('status').notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    /** Failed attempts since the delivery was (re)started: the place in the retry schedule. */
    retryStep: integer('retry_step').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    /** A sender's claim: others leave the row alone until then (a crashed sender's claim expires). */
    lockedUntil: timestamp('locked_until', { withTimezone: true, precision: 3 }),
    /** The body as first sent: every attempt sends (and signs) the same bytes. */
    payload: text('payload'),
    lastAttemptAt: timestamp('last_attempt_at', { withTimezone: true, precision: 3 }),
    lastStatusCode: integer('last_status_code'),
    lastError: text('last_error'),
    /** The receiver's answer, cut at 64 KiB. */
    lastResponseBody: text('last_response_body'),
    deliveredAt: timestamp('delivered_at', { withTimezone: true, precision: 3 }),
    ...timestamps,
  },
  (t) => [
    uniqueIndex('webhook_deliveries_webhook_event_key').on(t.webhookId, t.eventId),
    uniqueIndex('webhook_deliveries_message_id_key').on(t.messageId),
    // A webhook's deliveries, newest first (keyset on created_at, id).
    index('webhook_deliveries_webhook_created_idx').on(t.webhookId, t.createdAt, t.id),
    // The sweep: pending rows by due time.
    index('webhook_deliveries_due_idx').on(t.nextAttemptAt).where(sql`${t.status} = 'pending'`),
    index('webhook_deliveries_event_id_idx').on(t.eventId),
  ],
);

/**
 * The deployment's outgoing mail channel, as the processes that can send announce it: an API process
 * without SMTP settings still writes an answer's outbox row when some worker of the same database can send
 * it (issue: a process's own environment must not silently decide that mail is off).
 */
export const mailChannels = pgTable('mail_channels', {
  supportAddress: varchar('support_address', { length: 254 }).primaryKey(),
  fromName: text('from_name').notNull(),
  /** When a process that sends from this address last started. */
  lastSeenAt: timestamp('last_seen_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
});

/**
 * The API processes that share this database, while they run (a heartbeat every 10 s): each says which
 * SECRET_KEY it signs tokens with, by a fingerprint (an HMAC of a fixed text, never the key), so a process
 * started with another key than the running ones refuses to start instead of answering 401 to their tokens.
 */
export const apiInstances = pgTable('api_instances', {
  id: uuid('id').primaryKey(),
  keyFingerprint: varchar('key_fingerprint', { length: 64 }).notNull(),
  host: varchar('host', { length: 255 }).notNull(),
  pid: integer('pid').notNull(),
  startedAt: timestamp('started_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  lastSeenAt: timestamp('last_seen_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
});

/** Where each mailbox's watcher is: resumes after the last UID, resyncs when UIDVALIDITY changes. */
export const mailboxState = pgTable('mailbox_state', {
  mailbox: varchar('mailbox', { length: 254 }).primaryKey(),
  uidValidity: bigint('uid_validity', { mode: 'number' }),
  lastUid: bigint('last_uid', { mode: 'number' }).notNull().default(0),
  connected: boolean('connected').notNull().default(false),
  lastSuccessAt: timestamp('last_success_at', { withTimezone: true, precision: 3 }),
  lastErrorAt: timestamp('last_error_at', { withTimezone: true, precision: 3 }),
  lastError: text('last_error'),
  consecutiveErrors: integer('consecutive_errors').notNull().default(0),
  /** The watcher's heartbeat (every few seconds while its IMAP connection is up): stale means nobody watches. */
  lastAliveAt: timestamp('last_alive_at', { withTimezone: true, precision: 3 }),
  updatedAt: timestamps.updatedAt,
});

export type UserRow = typeof users.$inferSelect;
export type ApiInstanceRow = typeof apiInstances.$inferSelect;
/**
 * A ticket and a message as the code reads them: without their search documents, which only the database
 * reads (a tsvector is as large as its text; fetching it would double every page).
 */
export type TicketRow = Omit<typeof tickets.$inferSelect, 'search'>;
export type MessageRow = Omit<typeof messages.$inferSelect, 'search'>;
const { search: _ticketSearch, ...ticketColumnSet } = getTableColumns(tickets);
const { search: _messageSearch, ...messageColumnSet } = getTableColumns(messages);
/** The columns of a `TicketRow` / `MessageRow`: select these instead of the whole table. */
export const ticketColumns = ticketColumnSet;
export const messageColumns = messageColumnSet;
export type UserRole = (typeof userRole.enumValues)[number];
export type TicketStatus = (typeof ticketStatus.enumValues)[number];
export type TicketPriority = (typeof ticketPriority.enumValues)[number];
export type TicketEventType = (typeof ticketEventType.enumValues)[number];
export type TicketEventRow = typeof ticketEvents.$inferSelect;
export type GroupRow = typeof groups.$inferSelect;
export type SlaPolicyRow = typeof slaPolicies.$inferSelect;
export type CannedResponseRow = typeof cannedResponses.$inferSelect;
export type AttachmentRow = typeof attachments.$inferSelect;
export type EmailMessageRow = typeof emailMessages.$inferSelect;
export type OutboxRow = typeof outbox.$inferSelect;
export type MailboxStateRow = typeof mailboxState.$inferSelect;
export type MailChannelRow = typeof mailChannels.$inferSelect;
export type IdempotencyKeyRow = typeof idempotencyKeys.$inferSelect;
export type EmailTokenRow = typeof emailTokens.$inferSelect;
export type EmailTokenPurpose = (typeof emailTokenPurpose.enumValues)[number];
export type WebhookRow = typeof webhooks.$inferSelect;
export type WebhookDeliveryRow = typeof webhookDeliveries.$inferSelect;
export type WebhookDeliveryStatus = (typeof webhookDeliveryStatus.enumValues)[number];
