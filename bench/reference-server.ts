/**
 * The reference: the same endpoints as the API, answered by hand-written SQL through `pg` on node:http,
 * with no ORM, validation, authentication, envelope or idempotency. It is the ceiling of this machine for
 * these queries, run in the same conditions as the API (one process, a pool of 10, same database). Every
 * statement is a named prepared statement, as the API's hot paths are: PostgreSQL parses and plans each
 * once per connection, so the ceiling is not lowered by parsing the API skips.
 *
 * Environment: DATABASE_URL, PORT. Callers name themselves: `creator_id` / `author_id` in the body, and
 * `creator_id` in the query string for a customer's own list (the API takes both from the token instead);
 * `operator_id` stands for the API's `assignee=me`. Lists also take `tag`, `group_id` and `q` (staff's search).
 * Like the API, creating a ticket or a message records its event (`ticket_events`) in the same statement.
 * Its objects carry the same fields as the API's, read from the same tables (a ticket's triage, group, merge
 * and SLA; a user's `email_verified`; a message's files): only the envelope `{data, message, meta}` is left out.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import pg from 'pg';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
pool.on('error', () => undefined);

const person = (alias: string, prefix: string) =>
  `${alias}.id AS ${prefix}_id, ${alias}.email AS ${prefix}_email, ${alias}.username AS ${prefix}_username, ` +
  `${alias}.role AS ${prefix}_role, ${alias}.is_active AS ${prefix}_active, ` +
  `${alias}.email_verified_at IS NOT NULL AS ${prefix}_verified, ` +
  `${alias}.created_at AS ${prefix}_created, ${alias}.updated_at AS ${prefix}_updated`;

// The ticket as the API answers it to staff: the seed's fields, then triage (priority, tags, group), merge
// and SLA. A reference that answered less would measure the payload, not the API's overhead.
const ticketColumns = `t.id, t.subject, t.description, t.status, t.created_at, t.updated_at,
  t.priority, t.tags, t.merged_into_id, g.id AS g_id, g.name AS g_name,
  t.sla_policy_id, t.sla_first_response_due_at, t.sla_resolution_due_at, t.sla_first_responded_at,
  t.sla_first_response_breached_at, t.sla_resolution_breached_at,
  ${person('c', 'c')}, ${person('o', 'o')}`;
const ticketJoins =
  'JOIN users c ON c.id = t.creator_id LEFT JOIN users o ON o.id = t.operator_id LEFT JOIN groups g ON g.id = t.group_id';

type Row = Record<string, unknown>;

/** Runs `text` as a named statement, one per distinct text: pg parses it once per connection. */
const names = new Map<string, string>();
function run(text: string, values: unknown[]) {
  let name = names.get(text);
  if (name === undefined) {
    name = `reference_${names.size}`;
    names.set(text, name);
  }
  return pool.query({ name, text, values });
}

function personOf(row: Row, prefix: string) {
  if (row[`${prefix}_id`] === null) return null;
  return {
    id: row[`${prefix}_id`],
    email: row[`${prefix}_email`],
    username: row[`${prefix}_username`],
    role: row[`${prefix}_role`],
    is_active: row[`${prefix}_active`],
    email_verified: row[`${prefix}_verified`],
    created_at: row[`${prefix}_created`],
    updated_at: row[`${prefix}_updated`],
  };
}

function ticketOf(row: Row) {
  return {
    id: row.id,
    subject: row.subject,
    description: row.description,
    status: row.status,
    created_at: row.created_at,
    updated_at: row.updated_at,
    creator: personOf(row, 'c'),
    operator: personOf(row, 'o'),
    priority: row.priority,
    tags: row.tags,
    group: row.g_id === null ? null : { id: row.g_id, name: row.g_name },
    merged_into_id: row.merged_into_id,
    sla: slaOf(row),
  };
}

function slaOf(row: Row) {
  if (row.sla_policy_id === null || row.sla_first_response_due_at === null || row.sla_resolution_due_at === null) {
    return null;
  }
  const breached: string[] = [];
  if (row.sla_first_response_breached_at !== null) breached.push('first_response');
  if (row.sla_resolution_breached_at !== null) breached.push('resolution');
  return {
    policy_id: row.sla_policy_id,
    first_response_due_at: row.sla_first_response_due_at,
    resolution_due_at: row.sla_resolution_due_at,
    first_responded_at: row.sla_first_responded_at,
    breached,
  };
}

function messageOf(row: Row, files: Row[] = []) {
  return {
    id: row.id,
    ticket_id: row.ticket_id,
    text: row.text,
    internal: row.internal,
    channel: row.channel,
    created_at: row.created_at,
    author: personOf(row, 'a'),
    attachments: files.filter((file) => file.message_id === row.id).map(({ message_id: _, ...file }) => file),
  };
}

async function listTickets(query: URLSearchParams) {
  const conditions: string[] = [];
  const params: unknown[] = [];
  const status = query.get('status');
  if (status) conditions.push(`t.status = $${params.push(status)}`);
  const creator = query.get('creator_id');
  if (creator) conditions.push(`t.creator_id = $${params.push(Number(creator))}`);
  const tag = query.get('tag');
  if (tag) conditions.push(`t.tags @> ARRAY[$${params.push(tag.trim().toLowerCase())}::text]`);
  const group = query.get('group_id');
  if (group) conditions.push(`t.group_id = $${params.push(Number(group))}`);
  const operator = query.get('operator_id');
  if (operator) conditions.push(`t.operator_id = $${params.push(Number(operator))}`);
  const q = query.get('q');
  if (q) {
    // The search as one would write it by hand: the ids matching in either table, by their GIN indexes.
    const words = `websearch_to_tsquery('russian', $${params.push(q)})`;
    conditions.push(`t.id IN (SELECT id FROM tickets WHERE search @@ ${words}
      UNION SELECT ticket_id FROM messages WHERE search @@ ${words})`);
  }
  const where = conditions.length ? `WHERE ${conditions.join(' AND ')}` : '';
  const limit = Number(query.get('limit') ?? 50);
  const { rows } = await run(
    `SELECT ${ticketColumns} FROM tickets t ${ticketJoins} ${where}
     ORDER BY t.created_at DESC, t.id DESC LIMIT ${limit + 1}`,
    params,
  );
  return rows.slice(0, limit).map(ticketOf);
}

async function getTicket(id: number) {
  const { rows } = await run(`SELECT ${ticketColumns} FROM tickets t ${ticketJoins} WHERE t.id = $1`, [id]);
  return rows[0] ? ticketOf(rows[0]) : undefined;
}

async function listMessages(ticketId: number, query: URLSearchParams) {
  const limit = Number(query.get('limit') ?? 50);
  const { rows } = await run(
    `SELECT m.id, m.ticket_id, m.text, m.internal, m.channel, m.created_at, ${person('a', 'a')},
       EXISTS (SELECT 1 FROM attachments f WHERE f.message_id = m.id) AS has_files
     FROM messages m JOIN users a ON a.id = m.author_id WHERE m.ticket_id = $1
     ORDER BY m.created_at, m.id LIMIT ${limit + 1}`,
    [ticketId],
  );
  const page = rows.slice(0, limit);
  // As the API: a page whose messages came with no files skips the files' query.
  const withFiles = page.filter((row) => row.has_files).map((row) => row.id);
  const files = withFiles.length
    ? (
        await run(
          `SELECT message_id, id, filename, content_type, size FROM attachments
           WHERE message_id = ANY($1::int[]) ORDER BY id`,
          [withFiles],
        )
      ).rows
    : [];
  return page.map((row) => messageOf(row, files));
}

/** A ticket's history, oldest first: events with their actor, in id order (the index on (ticket_id, id)). */
async function listEvents(ticketId: number, query: URLSearchParams) {
  const limit = Number(query.get('limit') ?? 50);
  const { rows } = await run(
    `SELECT e.id, e.type, e.changes, e.message_id, e.created_at, ${person('a', 'a')}
     FROM ticket_events e LEFT JOIN users a ON a.id = e.actor_id WHERE e.ticket_id = $1
     ORDER BY e.id LIMIT ${limit + 1}`,
    [ticketId],
  );
  return rows.slice(0, limit).map((row) => ({
    id: Number(row.id),
    type: row.type,
    actor: personOf(row, 'a'),
    created_at: row.created_at,
    changes: row.changes,
    message_id: row.message_id,
  }));
}

// The writes record their event in the same statement, as the API's do (an extra CTE into ticket_events).
async function createTicket(body: Row) {
  const { rows } = await run(
    `WITH t AS (INSERT INTO tickets (subject, description, creator_id) VALUES ($1, $2, $3) RETURNING *),
          e AS (INSERT INTO ticket_events (ticket_id, type, actor_id) SELECT id, 'ticket.created', creator_id FROM t)
     SELECT ${ticketColumns} FROM t ${ticketJoins}`,
    [body.subject, body.description, body.creator_id],
  );
  return rows[0] ? ticketOf(rows[0]) : undefined;
}

async function createMessage(ticketId: number, body: Row) {
  const { rows } = await run(
    `WITH m AS (INSERT INTO messages (ticket_id, author_id, text) VALUES ($1, $2, $3) RETURNING *),
          touched AS (UPDATE tickets SET updated_at = now() WHERE id = $1),
          e AS (INSERT INTO ticket_events (ticket_id, type, actor_id, message_id)
                SELECT ticket_id, CASE WHEN internal THEN 'note.created' ELSE 'message.created' END::ticket_event_type,
                       author_id, id FROM m)
     SELECT m.id, m.ticket_id, m.text, m.internal, m.channel, m.created_at, ${person('a', 'a')}
     FROM m JOIN users a ON a.id = m.author_id`,
    [ticketId, body.author_id, body.text],
  );
  return rows[0] ? messageOf(rows[0]) : undefined;
}

async function readBody(request: IncomingMessage): Promise<Row> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as Row;
}

async function route(request: IncomingMessage): Promise<[number, unknown]> {
  const url = new URL(request.url ?? '/', 'http://reference');
  const parts = url.pathname.split('/').filter(Boolean);
  const [api, resource, rawId, sub] = parts;
  if (api !== 'api') return [404, { detail: 'Not Found' }];
  if (resource === 'health') return [200, { status: 'ok' }];
  if (resource !== 'tickets') return [404, { detail: 'Not Found' }];
  const id = rawId === undefined ? undefined : Number(rawId);
  if (request.method === 'GET' && id === undefined) return [200, await listTickets(url.searchParams)];
  if (request.method === 'POST' && id === undefined) return [201, await createTicket(await readBody(request))];
  if (id === undefined || !Number.isSafeInteger(id)) return [404, { detail: 'Not Found' }];
  if (request.method === 'GET' && sub === undefined) {
    const ticket = await getTicket(id);
    return ticket ? [200, ticket] : [404, { detail: 'Ticket not found' }];
  }
  if (request.method === 'GET' && sub === 'messages') return [200, await listMessages(id, url.searchParams)];
  if (request.method === 'GET' && sub === 'events') return [200, await listEvents(id, url.searchParams)];
  if (request.method === 'POST' && sub === 'messages') return [201, await createMessage(id, await readBody(request))];
  return [404, { detail: 'Not Found' }];
}

function handle(request: IncomingMessage, response: ServerResponse) {
  route(request).then(
    ([status, body]) => {
      response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
      response.end(JSON.stringify(body));
    },
    (error: unknown) => {
      response.writeHead(500, { 'content-type': 'application/json; charset=utf-8' });
      response.end(JSON.stringify({ detail: String(error) }));
    },
  );
}

const server = createServer(handle);
server.keepAliveTimeout = 30_000;
server.listen(Number(process.env.PORT ?? 8100), '127.0.0.1');

// Nothing to flush: the harness stops this process when a measurement is over.
process.on('SIGTERM', () => process.exit(0));
