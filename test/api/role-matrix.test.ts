import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_PASSWORD, TestContext } from '../helpers/context.js';
import { newWorld, type World } from '../helpers/world.js';

/**
 * Who may call what: every route under /api × every kind of caller, with the status each must get. Each row
 * builds its own world (test/helpers/world.ts: the callers, a ticket owned by `owner` with a message, an
 * attachment and a failed outbox row), so rows may run in any order and may mutate freely.
 */

let ctx: TestContext;
beforeAll(async () => {
  ctx = await TestContext.create();
});
afterAll(async () => ctx.close());

const ACTORS = ['anonymous', 'owner', 'other', 'operator', 'admin', 'deactivated'] as const;
type Actor = (typeof ACTORS)[number];
type Statuses = Record<Actor, number>;

interface Action {
  /** Registered route, as Fastify names it: `METHOD /api/path/:param`. */
  route: string;
  /** What distinguishes this row from others on the same route. */
  variant?: string;
  url: (w: World) => string;
  payload?: (w: World) => Record<string, unknown>;
  /** The caller logs in with their own credentials instead of sending a token. */
  login?: boolean;
  /** A 200 is an endless stream: called over a real listener (inject would wait for its end), then dropped. */
  stream?: boolean;
  expect: Statuses;
}

const row = (...s: [number, number, number, number, number, number]): Statuses => ({
  anonymous: s[0],
  owner: s[1],
  other: s[2],
  operator: s[3],
  admin: s[4],
  deactivated: s[5],
});
const signedIn = (owner: number, other: number, operator: number, admin: number) =>
  row(401, owner, other, operator, admin, 401);

const ticketUrl = (w: World) => `/api/tickets/${w.ticket.id}`;
const messagesUrl = (w: World) => `/api/tickets/${w.ticket.id}/messages`;
const ownerUrl = (w: World) => `/api/users/${w.owner.user.id}`;
const groupUrl = (w: World) => `/api/groups/${w.groupId}`;
const sharedUrl = (w: World) => `/api/canned-responses/${w.sharedResponseId}`;
const privateUrl = (w: World) => `/api/canned-responses/${w.privateResponseId}`;
const webhookUrl = (w: World) => `/api/webhooks/${w.webhookId}`;
const slaPolicyUrl = (w: World) => `/api/sla-policies/${w.slaPolicyId}`;
const signUp = (role?: string) => () => {
  const username = ctx.unique('signup');
  return { email: `${username}@example.com`, username, password: 'secure_password', ...(role ? { role } : {}) };
};

// Statuses in the order anonymous, owner, other, operator, admin, deactivated.
// biome-ignore format: one line per action keeps the matrix readable as a table
const ACTIONS: Action[] = [
  { route: 'GET /api/health', url: () => '/api/health', expect: row(200, 200, 200, 200, 200, 200) },
  { route: 'GET /api/health/ready', url: () => '/api/health/ready', expect: row(200, 200, 200, 200, 200, 200) },
  { route: 'POST /api/auth/token', login: true, url: () => '/api/auth/token', expect: row(401, 200, 200, 200, 200, 401) },
  // No outgoing mail in this world: account mail is a 409 for everyone, whatever the token.
  { route: 'POST /api/auth/password-reset', url: () => '/api/auth/password-reset', payload: (w) => ({ email: w.owner.user.email }), expect: row(409, 409, 409, 409, 409, 409) },
  { route: 'POST /api/auth/password-reset/confirm', url: () => '/api/auth/password-reset/confirm', payload: () => ({ token: 'x'.repeat(43), password: 'a-new-long-password' }), expect: row(400, 400, 400, 400, 400, 400) },

  { route: 'POST /api/users', variant: 'sign-up', url: () => '/api/users', payload: signUp(), expect: row(201, 201, 201, 201, 201, 401) },
  { route: 'POST /api/users', variant: 'role operator', url: () => '/api/users', payload: signUp('operator'), expect: row(403, 403, 403, 403, 201, 401) },
  { route: 'GET /api/users', url: () => '/api/users', expect: signedIn(403, 403, 200, 200) },
  // The world's accounts are verified already.
  { route: 'POST /api/users/me/verification-email', url: () => '/api/users/me/verification-email', expect: signedIn(400, 400, 400, 400) },
  { route: 'POST /api/users/verify-email', url: () => '/api/users/verify-email', payload: () => ({ token: 'x'.repeat(43) }), expect: signedIn(400, 400, 400, 400) },
  { route: 'GET /api/users/me', url: () => '/api/users/me', expect: signedIn(200, 200, 200, 200) },
  { route: 'GET /api/users/:user_id', variant: "owner's", url: ownerUrl, expect: signedIn(200, 404, 200, 200) },
  { route: 'PATCH /api/users/:user_id', variant: 'username', url: ownerUrl, payload: () => ({ username: ctx.unique('renamed') }), expect: signedIn(200, 404, 403, 200) },
  { route: 'PATCH /api/users/:user_id', variant: 'password', url: ownerUrl, payload: () => ({ password: 'another-password', current_password: TEST_PASSWORD }), expect: signedIn(200, 404, 403, 200) },
  { route: 'PATCH /api/users/:user_id', variant: 'role', url: ownerUrl, payload: () => ({ role: 'operator' }), expect: signedIn(403, 404, 403, 200) },
  { route: 'PATCH /api/users/:user_id', variant: 'is_active', url: ownerUrl, payload: () => ({ is_active: false }), expect: signedIn(403, 404, 403, 200) },

  { route: 'POST /api/tickets', url: () => '/api/tickets', payload: () => ({ subject: 'Printer', description: 'Broken' }), expect: signedIn(201, 201, 201, 201) },
  { route: 'POST /api/tickets', variant: 'creator_id owner', url: () => '/api/tickets', payload: (w) => ({ subject: 'Printer', description: 'Broken', creator_id: w.owner.user.id }), expect: signedIn(201, 403, 201, 201) },
  { route: 'GET /api/tickets', url: () => '/api/tickets', expect: signedIn(200, 200, 200, 200) },
  { route: 'GET /api/tickets/:ticket_id', url: ticketUrl, expect: signedIn(200, 404, 200, 200) },
  { route: 'PATCH /api/tickets/:ticket_id', variant: 'close', url: ticketUrl, payload: () => ({ status: 'closed' }), expect: signedIn(200, 400, 200, 200) },
  { route: 'PATCH /api/tickets/:ticket_id', variant: 'in_progress', url: ticketUrl, payload: () => ({ status: 'in_progress' }), expect: signedIn(403, 400, 200, 200) },
  { route: 'PATCH /api/tickets/:ticket_id', variant: 'assign', url: ticketUrl, payload: (w) => ({ operator_id: w.operator.user.id }), expect: signedIn(403, 400, 200, 200) },
  { route: 'PATCH /api/tickets/:ticket_id', variant: 'triage', url: ticketUrl, payload: () => ({ priority: 'high', add_tags: ['vip'] }), expect: signedIn(403, 400, 200, 200) },
  { route: 'PATCH /api/tickets', url: () => '/api/tickets', payload: (w) => ({ ids: [w.ticket.id], changes: { priority: 'low' } }), expect: signedIn(403, 403, 200, 200) },
  // Into itself: refused after the role check, so the matrix changes nothing.
  { route: 'POST /api/tickets/:ticket_id/merge', url: (w) => `${ticketUrl(w)}/merge`, payload: (w) => ({ into_ticket_id: w.ticket.id }), expect: signedIn(403, 403, 422, 422) },
  { route: 'GET /api/tickets/:ticket_id/events', url: (w) => `${ticketUrl(w)}/events`, expect: signedIn(200, 404, 200, 200) },
  { route: 'GET /api/events/stream', stream: true, url: () => '/api/events/stream', expect: signedIn(200, 200, 200, 200) },

  { route: 'POST /api/tickets/:ticket_id/messages', variant: 'public', url: messagesUrl, payload: () => ({ text: 'Any news?' }), expect: signedIn(201, 400, 201, 201) },
  { route: 'POST /api/tickets/:ticket_id/messages', variant: 'internal', url: messagesUrl, payload: () => ({ text: 'Note', internal: true }), expect: signedIn(403, 403, 201, 201) },
  { route: 'GET /api/tickets/:ticket_id/messages', url: messagesUrl, expect: signedIn(200, 404, 200, 200) },
  { route: 'GET /api/tickets/:ticket_id/attachments', url: (w) => `${ticketUrl(w)}/attachments`, expect: signedIn(200, 404, 200, 200) },
  { route: 'GET /api/tickets/:ticket_id/attachments/:attachment_id', url: (w) => `${ticketUrl(w)}/attachments/${w.attachmentId}`, expect: signedIn(200, 404, 200, 200) },

  { route: 'GET /api/mail/mailboxes', url: () => '/api/mail/mailboxes', expect: signedIn(403, 403, 200, 200) },
  { route: 'GET /api/mail/log', url: () => '/api/mail/log', expect: signedIn(403, 403, 200, 200) },
  { route: 'GET /api/mail/outbox', url: () => '/api/mail/outbox', expect: signedIn(403, 403, 200, 200) },
  { route: 'POST /api/mail/outbox/:outbox_id/resend', url: (w) => `/api/mail/outbox/${w.outboxId}/resend`, expect: signedIn(403, 403, 200, 200) },

  { route: 'POST /api/groups', url: () => '/api/groups', payload: () => ({ name: ctx.unique('Group ') }), expect: signedIn(403, 403, 403, 201) },
  { route: 'GET /api/groups', url: () => '/api/groups', expect: signedIn(403, 403, 200, 200) },
  { route: 'GET /api/groups/:group_id', url: groupUrl, expect: signedIn(403, 403, 200, 200) },
  { route: 'PATCH /api/groups/:group_id', url: groupUrl, payload: () => ({ description: 'Changed' }), expect: signedIn(403, 403, 403, 200) },
  { route: 'PUT /api/groups/:group_id/members', url: (w) => `${groupUrl(w)}/members`, payload: (w) => ({ user_ids: [w.admin.user.id] }), expect: signedIn(403, 403, 403, 200) },

  { route: 'POST /api/canned-responses', url: () => '/api/canned-responses', payload: () => ({ title: 'Hi', text: 'Hello' }), expect: signedIn(403, 403, 201, 201) },
  { route: 'GET /api/canned-responses', url: () => '/api/canned-responses', expect: signedIn(403, 403, 200, 200) },
  { route: 'GET /api/canned-responses/:canned_response_id', variant: "operator's shared", url: sharedUrl, expect: signedIn(403, 403, 200, 200) },
  { route: 'GET /api/canned-responses/:canned_response_id', variant: "admin's private", url: privateUrl, expect: signedIn(403, 403, 404, 200) },
  { route: 'PATCH /api/canned-responses/:canned_response_id', variant: "operator's shared", url: sharedUrl, payload: () => ({ title: 'Changed' }), expect: signedIn(403, 403, 200, 200) },
  { route: 'PATCH /api/canned-responses/:canned_response_id', variant: "admin's private", url: privateUrl, payload: () => ({ title: 'Changed' }), expect: signedIn(403, 403, 404, 200) },
  { route: 'DELETE /api/canned-responses/:canned_response_id', variant: "operator's shared", url: sharedUrl, expect: signedIn(403, 403, 200, 200) },
  { route: 'DELETE /api/canned-responses/:canned_response_id', variant: "admin's private", url: privateUrl, expect: signedIn(403, 403, 404, 200) },
  { route: 'POST /api/canned-responses/:canned_response_id/render', url: (w) => `${sharedUrl(w)}/render`, payload: (w) => ({ ticket_id: w.ticket.id }), expect: signedIn(403, 403, 200, 200) },

  { route: 'POST /api/sla-policies', url: () => '/api/sla-policies', payload: () => ({ name: 'Low', priority: 'low', first_response_minutes: 60, resolution_minutes: 600, business_hours: null }), expect: signedIn(403, 403, 403, 201) },
  { route: 'GET /api/sla-policies', url: () => '/api/sla-policies', expect: signedIn(403, 403, 200, 200) },
  { route: 'GET /api/sla-policies/:policy_id', url: slaPolicyUrl, expect: signedIn(403, 403, 200, 200) },
  { route: 'PATCH /api/sla-policies/:policy_id', url: slaPolicyUrl, payload: () => ({ name: 'Urgent, changed' }), expect: signedIn(403, 403, 403, 200) },
  { route: 'DELETE /api/sla-policies/:policy_id', url: slaPolicyUrl, expect: signedIn(403, 403, 403, 200) },
  { route: 'POST /api/webhooks', url: () => '/api/webhooks', payload: () => ({ url: 'https://hooks.example.com/new', events: ['*'] }), expect: signedIn(403, 403, 403, 201) },
  { route: 'GET /api/webhooks', url: () => '/api/webhooks', expect: signedIn(403, 403, 403, 200) },
  { route: 'GET /api/webhooks/:webhook_id', url: webhookUrl, expect: signedIn(403, 403, 403, 200) },
  { route: 'PATCH /api/webhooks/:webhook_id', url: webhookUrl, payload: () => ({ enabled: false }), expect: signedIn(403, 403, 403, 200) },
  { route: 'DELETE /api/webhooks/:webhook_id', url: webhookUrl, expect: signedIn(403, 403, 403, 200) },
  { route: 'GET /api/webhooks/:webhook_id/deliveries', url: (w) => `${webhookUrl(w)}/deliveries`, expect: signedIn(403, 403, 403, 200) },
  { route: 'POST /api/webhooks/:webhook_id/deliveries/:delivery_id/redeliver', url: (w) => `${webhookUrl(w)}/deliveries/${w.deliveryId}/redeliver`, expect: signedIn(403, 403, 403, 202) },
];

const ROWS = ACTIONS.flatMap((action) =>
  ACTORS.map((actor) => ({
    name: `${action.route}${action.variant ? ` [${action.variant}]` : ''} as ${actor}`,
    action,
    actor,
    status: action.expect[actor],
  })),
);

function requestFor(action: Action, actor: Actor, w: World): InjectOptions {
  const [method = 'GET'] = action.route.split(' ');
  const caller = actor === 'anonymous' ? undefined : w[actor];
  const options: InjectOptions = { method: method as InjectOptions['method'], url: action.url(w) };
  if (action.login) {
    options.payload = { username: caller?.user.email ?? 'nobody@example.com', password: TEST_PASSWORD };
  } else {
    if (caller) options.headers = caller.auth;
    if (action.payload) options.payload = action.payload(w);
  }
  return options;
}

describe('role matrix', () => {
  it.each(ROWS)('$name → $status', async ({ action, actor, status }) => {
    const w = await newWorld(ctx);
    const res = action.stream
      ? await streamRequest(requestFor(action, actor, w))
      : await ctx.request<Record<string, unknown>>(requestFor(action, actor, w));
    expect(res.status, JSON.stringify(res.body)).toBe(status);
    if (status === 401) {
      expect(res.headers['www-authenticate']).toBe('Bearer');
      const detail = action.login
        ? 'Incorrect username or password'
        : actor === 'anonymous'
          ? 'Not authenticated'
          : 'Could not validate credentials';
      expect(res.body).toEqual({ detail });
    }
    const download = action.route.endsWith(':attachment_id');
    if (status >= 200 && status < 300 && !action.login && !download && !action.stream)
      expect(res.body).toHaveProperty('data');
    if (status === 200 && download) expect(res.body).toBe('abc');
  });

  // "No token → 401" holds whatever else is wrong with the request: authentication is decided before the
  // input is validated (as FastAPI's security dependencies do), so an anonymous caller learns nothing more.
  it('answers 401, not 422, to anonymous and deactivated callers sending malformed input', async () => {
    const { deactivated } = await newWorld(ctx);
    const malformed: InjectOptions[] = [
      { method: 'POST', url: '/api/tickets', payload: {} },
      { method: 'GET', url: '/api/tickets?status=bogus' },
      { method: 'GET', url: '/api/tickets/abc' },
      { method: 'PATCH', url: '/api/tickets/abc', payload: { status: 'bogus' } },
      { method: 'POST', url: '/api/tickets/abc/messages', payload: {} },
      { method: 'GET', url: '/api/tickets/abc/messages' },
      { method: 'GET', url: '/api/users?role=bogus' },
      { method: 'GET', url: '/api/users/abc' },
      { method: 'PATCH', url: '/api/users/abc', payload: {} },
    ];
    const answers: string[] = [];
    for (const request of malformed) {
      for (const headers of [{}, deactivated.auth]) {
        const res = await ctx.app.inject({ ...request, headers });
        answers.push(
          `${request.method} ${request.url} ${'authorization' in headers ? 'deactivated' : 'anonymous'} → ${res.statusCode}`,
        );
      }
    }
    expect(answers).toEqual(answers.map((answer) => answer.replace(/→ \d+$/, '→ 401')));
  });

  it('covers every route registered under /api (docs excepted), and names only registered routes', () => {
    const registered = registeredRoutes(ctx.app.printRoutes({ commonPrefix: false })).filter(
      // The web console's files (served outside /api when web/dist is built) are not the API's routes.
      (route) =>
        !route.startsWith('HEAD ') && /^\w+ \/api\//.test(route) && !/^\w+ \/api\/(docs|openapi\.json)/.test(route),
    );
    const covered = new Set(ACTIONS.map((action) => action.route));
    expect(registered.filter((route) => !covered.has(route))).toEqual([]);
    expect([...covered].filter((route) => !registered.includes(route))).toEqual([]);
    // The parser must actually have found the API; an empty list would make the guard vacuous.
    expect(registered.length).toBeGreaterThanOrEqual(13);
  });
});

let listening: string | undefined;

/** A streaming route's answer: status, headers, and the JSON body of a refusal (a stream is dropped at once). */
async function streamRequest(options: InjectOptions) {
  listening ??= await ctx.app.listen({ host: '127.0.0.1', port: 0 });
  const headers = (options.headers ?? {}) as Record<string, string>;
  const response = await fetch(`${listening}${String(options.url)}`, { headers });
  const body = response.ok ? {} : ((await response.json()) as Record<string, unknown>);
  if (response.ok) await response.body?.cancel();
  return { status: response.status, headers: Object.fromEntries(response.headers), body };
}

/** `METHOD /full/path` for every route in Fastify's printed tree (`├── /segment (GET, HEAD)` lines). */
function registeredRoutes(tree: string): string[] {
  const prefixes: string[] = [];
  const routes: string[] = [];
  for (const line of tree.split('\n')) {
    const match = /^([│ ]*)[├└]── (\S+)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!match) continue;
    const depth = (match[1] ?? '').length / 4;
    const path = (depth > 0 ? (prefixes[depth - 1] ?? '') : '') + (match[2] ?? '');
    prefixes.length = depth;
    prefixes[depth] = path;
    for (const method of match[3]?.split(', ') ?? []) routes.push(`${method} ${path}`);
  }
  return routes;
}
