import { sql } from 'drizzle-orm';
import { boolean, index, integer, pgEnum, pgTable, text, timestamp, uniqueIndex, varchar } from 'drizzle-orm/pg-core';

export const userRole = pgEnum('user_role', ['customer', 'operator', 'admin']);
export const ticketStatus = pgEnum('ticket_status', ['open', 'in_progress', 'closed']);
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
    /** Null for accounts created from an inbound email, until the customer sets a password. */
    passwordHash: text('password_hash'),
    role: userRole('role').notNull().default('customer'),
    isActive: boolean('is_active').notNull().default(true),
    /** Bumped on password change or deactivation: tokens carry it, so old tokens stop working. */
    tokenVersion: integer('token_version').notNull().default(0),
    ...timestamps,
  },
  (t) => [
    uniqueIndex('users_email_key').on(t.email),
    uniqueIndex('users_username_lower_key').on(sql`lower(${t.username})`),
    index('users_created_at_id_idx').on(t.createdAt, t.id),
    index('users_role_created_at_id_idx').on(t.role, t.createdAt, t.id),
  ],
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
    ...timestamps,
  },
  (t) => [
    // One index per list query: all tickets, by status, a customer's own (optionally by status).
    index('tickets_created_at_id_idx').on(t.createdAt, t.id),
    index('tickets_status_created_at_id_idx').on(t.status, t.createdAt, t.id),
    index('tickets_creator_created_at_id_idx').on(t.creatorId, t.createdAt, t.id),
    index('tickets_operator_id_idx').on(t.operatorId),
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
    createdAt: timestamps.createdAt,
  },
  (t) => [
    index('messages_ticket_created_at_id_idx').on(t.ticketId, t.createdAt, t.id),
    index('messages_author_id_idx').on(t.authorId),
  ],
);

export type UserRow = typeof users.$inferSelect;
export type TicketRow = typeof tickets.$inferSelect;
export type MessageRow = typeof messages.$inferSelect;
export type UserRole = (typeof userRole.enumValues)[number];
export type TicketStatus = (typeof ticketStatus.enumValues)[number];
