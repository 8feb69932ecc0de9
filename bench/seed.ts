/**
 * Set-based seeding: a handful of INSERT … SELECT over generate_series, so a million tickets take seconds
 * of the database's time rather than a million round trips. The same SQL runs on PostgreSQL and on PGlite.
 */

export interface SeedSize {
  tickets: number;
  customers: number;
  operators: number;
  messagesPerTicket: number;
}

/** One statement with positional parameters; both `pg` and PGlite answer this shape. */
export type Exec = (text: string, params?: unknown[]) => Promise<{ rows: unknown[] }>;

/** Every seeded account logs in with this password (hashed once, see `seed`). */
export const BENCH_PASSWORD = 'bench-password';
export const benchOperator = 'operator1@bench.test';
export const benchCustomer = 'customer1@bench.test';

const insertUsers = `
  INSERT INTO users (email, username, username_normalized, password_hash, role, created_at, updated_at)
  SELECT $1::text || g || '@bench.test', $1::text || g, $1::text || g, $2::text, $1::text::user_role, now() - interval '3 years', now() - interval '3 years'
  FROM generate_series(1, $3::int) AS g`;

const insertGroups = `INSERT INTO groups (name) SELECT 'Group ' || g FROM generate_series(1, 10) AS g`;

// 20 % open, 20 % in progress, 60 % closed; one ticket a minute up to now; customers spread by a prime
// stride so each has about the same number of tickets; open tickets have no operator, the others go to the
// operators in turn by g / 5 (by g, every ticket of operator 1 — g a multiple of 20, so of 5 — was open:
// operator 1, the bench's, had none assigned until 2026-12-05). For the filters and
// the search: priorities in turn, tag `vip` on 1 % (else `printer` or `network`), a group on 3 in 4 (ten
// groups), the word "toner" in 10 % of the descriptions (100 000 of a million) and "grinding" in 0.01 % (100).
const insertTickets = `
  WITH c AS (SELECT array_agg(id ORDER BY id) AS ids FROM users WHERE role = 'customer'),
       o AS (SELECT array_agg(id ORDER BY id) AS ids FROM users WHERE role = 'operator'),
       gr AS (SELECT array_agg(id ORDER BY id) AS ids FROM groups)
  INSERT INTO tickets (subject, description, status, creator_id, operator_id, priority, tags, group_id,
                       created_at, updated_at)
  SELECT 'Ticket ' || g || ': the printer on floor ' || (g % 7) || ' does not print',
         'Since this morning the printer shows an error and prints nothing. Ticket number ' || g || '.'
           || CASE WHEN g % 10 = 0 THEN ' The toner is low.' ELSE '' END
           || CASE WHEN g % 10000 = 1 THEN ' It makes a grinding noise.' ELSE '' END,
         s.status, c.ids[1 + (g::bigint * 7919) % cardinality(c.ids)],
         CASE WHEN s.status = 'open' THEN NULL ELSE o.ids[1 + (g / 5) % cardinality(o.ids)] END,
         (ARRAY['low', 'normal', 'high', 'urgent'])[1 + (g / 5) % 4]::ticket_priority,
         CASE WHEN g % 100 = 0 THEN ARRAY['vip'] WHEN g % 3 = 0 THEN ARRAY['printer'] ELSE ARRAY['network'] END,
         CASE WHEN g % 4 = 0 THEN NULL ELSE gr.ids[1 + g % cardinality(gr.ids)] END,
         s.at, s.at
  FROM generate_series(1, $1::int) AS g
  CROSS JOIN c CROSS JOIN o CROSS JOIN gr
  CROSS JOIN LATERAL (
    SELECT (ARRAY['open', 'in_progress', 'closed', 'closed', 'closed'])[1 + g % 5]::ticket_status AS status,
           now() - make_interval(secs => ($1::int - g) * 60.0) AS at
  ) AS s`;

// Customer and operator take turns; the fourth message of an assigned ticket is an internal note.
const insertMessages = `
  INSERT INTO messages (ticket_id, author_id, text, internal, channel, created_at)
  SELECT t.id,
         CASE WHEN k % 2 = 1 OR t.operator_id IS NULL THEN t.creator_id ELSE t.operator_id END,
         'Message ' || k || ' on ticket ' || t.id || ': we restarted the printer and checked the cable.',
         k = 4 AND t.operator_id IS NOT NULL, 'api', t.created_at + make_interval(mins => k)
  FROM tickets AS t CROSS JOIN generate_series(1, $1::int) AS k`;

/** Events a ticket of the history subset has in all (`insertEvents`): a full page of `?limit=50`. */
export const HISTORY_EVENTS = 50;

/**
 * Every how-many-th ticket gets a long history: every 10,000th at a million (100 tickets), and at least ten
 * in a small dataset (every 100th of 1,000).
 */
export const historyStride = (tickets: number) => Math.max(1, Math.min(10_000, Math.floor(tickets / 10)));

// The history the API would have written, in time order (ids follow created_at, as they do live): each
// ticket's `ticket.created` (by its creator), each message's `message.created` or `note.created` (by its
// author); and for the tickets whose id is a multiple of $1, `ticket.updated` events after their $3 messages
// (the last one $3 minutes after the ticket, see insertMessages), the priority going to high and back, a
// second apart, until the ticket has $2 events in all.
const insertEvents = `
  INSERT INTO ticket_events (ticket_id, type, actor_id, changes, message_id, created_at)
  SELECT ticket_id, type, actor_id, changes, message_id, created_at
  FROM (
    SELECT t.id AS ticket_id, 'ticket.created'::ticket_event_type AS type, t.creator_id AS actor_id,
           '{}'::jsonb AS changes, NULL::integer AS message_id, t.created_at, 0 AS k
    FROM tickets AS t
    UNION ALL
    SELECT m.ticket_id, CASE WHEN m.internal THEN 'note.created' ELSE 'message.created' END::ticket_event_type,
           m.author_id, '{}'::jsonb, m.id, m.created_at, 1
    FROM messages AS m
    UNION ALL
    SELECT t.id, 'ticket.updated'::ticket_event_type, COALESCE(t.operator_id, o.id),
           CASE WHEN k % 2 = 1 THEN '{"priority": {"from": "normal", "to": "high"}}'::jsonb
                ELSE '{"priority": {"from": "high", "to": "normal"}}'::jsonb END,
           NULL, t.created_at + make_interval(mins => $3::int, secs => k), 1 + k
    FROM tickets AS t
    CROSS JOIN (SELECT min(id) AS id FROM users WHERE role = 'operator') AS o
    CROSS JOIN LATERAL generate_series(1, $2::int - 1 - $3::int) AS k
    WHERE t.id % $1::int = 0
  ) AS e
  ORDER BY created_at, ticket_id, k, message_id`;

const secondaryIndexes = `
  SELECT indexname AS name, indexdef AS definition FROM pg_indexes
  WHERE schemaname = 'public' AND tablename IN ('tickets', 'messages', 'ticket_events')
    AND indexname NOT LIKE '%_pkey'`;

/**
 * Fills an empty, migrated database: users, groups, tickets, messages, then the tickets' history.
 * Foreign-key triggers are skipped (replica role; the rows are consistent by construction) and the secondary
 * indexes (of tickets, messages and ticket_events) are rebuilt once at the end instead of row by row: both
 * make the million-ticket seed several times faster. `passwordHash` is one argon2 hash shared by every account.
 */
export async function seed(exec: Exec, size: SeedSize, passwordHash: string): Promise<void> {
  await exec('SET session_replication_role = replica');
  const indexes = (await exec(secondaryIndexes)).rows as { name: string; definition: string }[];
  for (const index of indexes) await exec(`DROP INDEX "${index.name}"`);
  await exec(insertUsers, ['operator', passwordHash, size.operators]);
  await exec(insertUsers, ['customer', passwordHash, size.customers]);
  await exec(insertGroups);
  await exec(insertTickets, [size.tickets]);
  await exec(insertMessages, [size.messagesPerTicket]);
  await exec(insertEvents, [historyStride(size.tickets), HISTORY_EVENTS, size.messagesPerTicket]);
  for (const index of indexes) await exec(index.definition);
  await exec('SET session_replication_role = DEFAULT');
  await exec('VACUUM ANALYZE');
}
