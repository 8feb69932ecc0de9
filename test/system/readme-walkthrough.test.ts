import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ManagedProcess, runCommand } from '../../scripts/soak/proc.js';
import { startEmbeddedServer } from '../helpers/embedded-server.js';
import { waitUntil } from '../helpers/wait.js';
import { WebhookReceiver } from '../helpers/webhook-receiver.js';

/**
 * The README's curl walk-through, run as a reader runs it: the bash blocks marked `<!-- walkthrough`, in
 * order, in one shell, against `npm start`'s entry point on a fresh embedded database with the admin the
 * README's start line creates. Two lines are pointed elsewhere: the API's address (a free port, not 8000)
 * and the webhook's URL (a receiver on loopback, not crm.example.com). Every answer must be a success.
 */
const root = path.resolve(import.meta.dirname, '../..');
const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
const README_API = 'API=http://127.0.0.1:8000/api';
const README_HOOK = 'https://crm.example.com/desk-hook';

/** The bash blocks after each `<!-- walkthrough` marker. */
function walkthrough(): string[] {
  const blocks: string[] = [];
  for (let at = readme.indexOf('<!-- walkthrough'); at >= 0; at = readme.indexOf('<!-- walkthrough', at + 1)) {
    const block = /```bash\n([\s\S]*?)```/.exec(readme.slice(at));
    if (block?.[1]) blocks.push(block[1]);
  }
  return blocks;
}

/** ADMIN_EMAIL and ADMIN_PASSWORD from the README's start line. */
function readmeAdmin(): { email: string; password: string } {
  const line = /ADMIN_EMAIL=(\S+) ADMIN_PASSWORD=(\S+) npm start/.exec(readme);
  if (!line?.[1] || !line[2]) throw new Error('README: no `ADMIN_EMAIL=… ADMIN_PASSWORD=… npm start` line');
  return { email: line[1], password: line[2] };
}

let dataDir: string;
let server: ManagedProcess;
let receiver: WebhookReceiver;
let base: string;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'sd-walkthrough-'));
  receiver = await WebhookReceiver.start();
  const admin = readmeAdmin();
  ({ base, server } = await startEmbeddedServer(dataDir, {
    ADMIN_EMAIL: admin.email,
    ADMIN_PASSWORD: admin.password,
    // The receiver is on loopback; a reader's crm.example.com needs no such setting.
    WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
  }));
}, 90_000);

afterAll(async () => {
  await server?.stop('SIGTERM', 10_000);
  await receiver?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe("the README's curl walk-through", { timeout: 120_000 }, () => {
  it('runs as written: every answer a success, and each step shows what the README says it does', async () => {
    const blocks = walkthrough();
    expect(blocks.length).toBeGreaterThanOrEqual(3);
    const script = blocks.join('\n');
    expect(script).toContain(README_API);
    expect(script).toContain(README_HOOK);
    const run = await runCommand(
      'bash',
      ['-c', script.replace(README_API, `API=${base}/api`).replaceAll(README_HOOK, receiver.url('/desk-hook'))],
      { cwd: dataDir, env: { PATH: process.env.PATH, HOME: process.env.HOME }, timeoutMs: 90_000 },
    );
    const output = run.output;
    expect(run.code, output).toBe(0);
    // An error answer is {"detail": …}: none.
    expect(output).not.toContain('"detail"');

    // The live stream showed the customer's message as it happened; both ways of resuming after event 3
    // replayed from event 4.
    expect(output).toMatch(/^event: message\.created$/m);
    expect(output.match(/^id: 4$/gm)).toHaveLength(2);

    // The webhook's one-time secret verifies the delivery of ticket 4, as an independent implementation of
    // Standard Webhooks checks it.
    const secret = /"secret":"(whsec_[A-Za-z0-9+/=]+)"/.exec(output)?.[1];
    expect(secret).toBeDefined();
    const verifier = new StandardWebhook(secret ?? '');
    const delivered = await waitUntil(async () => receiver.at('/desk-hook').length > 0 && receiver.at('/desk-hook'));
    const first = delivered[0];
    if (!first) throw new Error('no delivery');
    const payload = verifier.verify(first.body, {
      'webhook-id': String(first.headers['webhook-id']),
      'webhook-timestamp': String(first.headers['webhook-timestamp']),
      'webhook-signature': String(first.headers['webhook-signature']),
    }) as { type: string; data: { ticket: { subject: string } } };
    expect(payload.type).toBe('ticket.created');
    expect(payload.data.ticket.subject).toBe('Не могу войти');

    // The urgent ticket carried the policy's due times.
    expect(output).toMatch(/"sla":\{"policy_id":1,"first_response_due_at":"[^"]+","resolution_due_at":"[^"]+"/);

    // And the desk is in the state the walk-through describes.
    const admin = readmeAdmin();
    const login = await fetch(`${base}/api/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: admin.email, password: admin.password }),
    });
    const { access_token: token } = (await login.json()) as { access_token: string };
    const ticket = async (id: number) =>
      (
        (await (
          await fetch(`${base}/api/tickets/${id}`, { headers: { authorization: `Bearer ${token}` } })
        ).json()) as {
          data: { status: string; merged_into_id: number | null; priority: string; tags: string[] };
        }
      ).data;
    expect(await ticket(1)).toMatchObject({ status: 'closed', priority: 'high', tags: ['hardware', 'принтер'] });
    expect(await ticket(2)).toMatchObject({ merged_into_id: 1 });
    expect(await ticket(3)).toMatchObject({ status: 'open' });
    expect(await ticket(4)).toMatchObject({ priority: 'urgent' });
  });
});
