import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ManagedProcess } from '../../scripts/soak/proc.js';
import type { TicketView } from '../../src/tickets/ticket-schemas.js';
import type { Ok } from '../helpers/context.js';
import { startEmbeddedServer } from '../helpers/embedded-server.js';
import { SseClient } from '../helpers/sse.js';

/**
 * `npm start` as a user runs it — the real entry point, the embedded database, no Redis — runs the SLA sweep
 * in its own process: a policy of one minute, a ticket nobody answers, and its breach arrives on the stream
 * within SLA_SWEEP_INTERVAL_SECONDS of the due time. Nothing here calls the sweeper; the minute is waited.
 */
const SWEEP_SECONDS = 1;
const NOTICE_SLACK_MS = 5_000;
let server: ManagedProcess;
let dataDir: string;
let base: string;
let auth: { authorization: string };

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'sd-sla-embedded-'));
  ({ base, server } = await startEmbeddedServer(dataDir, {
    ADMIN_EMAIL: 'admin@example.com',
    ADMIN_PASSWORD: 'admin-password',
    SLA_SWEEP_INTERVAL_SECONDS: String(SWEEP_SECONDS),
  }));
  const login = await fetch(`${base}/api/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'username=admin@example.com&password=admin-password',
  });
  expect(login.status).toBe(200);
  auth = { authorization: `Bearer ${((await login.json()) as { access_token: string }).access_token}` };
}, 90_000);

afterAll(async () => {
  await server.stop('SIGTERM', 10_000);
  rmSync(dataDir, { recursive: true, force: true });
});

const post = (url: string, body: unknown) =>
  fetch(`${base}${url}`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

describe('npm start (embedded database, jobs in the API process)', () => {
  it('notices an SLA breach by itself, within the sweep interval of its due time', { timeout: 120_000 }, async () => {
    const policy = await post('/api/sla-policies', {
      name: 'One minute',
      priority: null,
      first_response_minutes: 1,
      resolution_minutes: 600,
      business_hours: null,
    });
    expect(policy.status).toBe(201);
    const stream = await SseClient.open(`${base}/api/events/stream`, auth);
    await stream.until(() => stream.comments.includes('connected'), 5_000);
    const opened = await post('/api/tickets', { subject: 'Nobody answers', description: 'For a minute' });
    expect(opened.status).toBe(201);
    const ticket = ((await opened.json()) as Ok<TicketView>).data;
    const dueAt = new Date(ticket.sla?.first_response_due_at ?? '').getTime();
    expect(dueAt - new Date(ticket.created_at).getTime()).toBe(60_000);

    const breached = () => stream.messages.filter((m) => m.event === 'sla.breached');
    await stream.until(() => breached().length > 0, 60_000 + SWEEP_SECONDS * 1000 + NOTICE_SLACK_MS + 5_000);
    const noticedAt = Date.now();
    const [message] = breached();
    const data = JSON.parse(message?.data ?? '{}') as {
      ticket_id: number;
      event: { created_at: string; changes: unknown };
      ticket: TicketView;
    };
    expect(data.ticket_id).toBe(ticket.id);
    expect(data.event.changes).toEqual({ breached: { from: [], to: ['first_response'] } });
    expect(data.ticket.sla?.breached).toEqual(['first_response']);
    expect(new Date(data.event.created_at).getTime() - dueAt).toBeLessThan(SWEEP_SECONDS * 1000 + NOTICE_SLACK_MS);
    expect(noticedAt - dueAt).toBeLessThan(SWEEP_SECONDS * 1000 + NOTICE_SLACK_MS);

    // More ticks: nothing noticed twice.
    await new Promise((resolve) => setTimeout(resolve, 3 * SWEEP_SECONDS * 1000));
    stream.abort();
    expect(breached()).toHaveLength(1);
  });
});
