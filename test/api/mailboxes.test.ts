import { eq, sql } from 'drizzle-orm';
import type { Static } from 'typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mailboxState } from '../../src/db/schema.js';
import type { Mailbox } from '../../src/email/log/mail-schemas.js';
import { mailboxStateRepository } from '../../src/email/log/mailbox-state-repository.js';
import { TestContext, type TestUser } from '../helpers/context.js';

/**
 * "Is anyone watching the mailbox?" as /api/mail/mailboxes answers it: `connected` only while the watcher's
 * heartbeat (`last_alive_at`, written every 3 s) is under 10 s old, by the database's clock. The watcher
 * itself is exercised against real servers in test/system/mail/lease.test.ts; here the rows are set by hand.
 */

type MailboxView = Static<typeof Mailbox>;

let ctx: TestContext;
let operator: TestUser;
beforeAll(async () => {
  ctx = await TestContext.create();
  operator = await ctx.newUser('operator');
});
afterAll(async () => ctx.close());

async function view(mailbox: string): Promise<MailboxView | undefined> {
  const res = await ctx.request<{ data: MailboxView[] }>({
    method: 'GET',
    url: '/api/mail/mailboxes',
    headers: operator.auth,
  });
  expect(res.status).toBe(200);
  return res.body.data.find((m) => m.mailbox === mailbox);
}

const aliveSecondsAgo = (mailbox: string, seconds: number) =>
  ctx.db
    .update(mailboxState)
    .set({ lastAliveAt: sql`now() - make_interval(secs => ${seconds}::int)` })
    .where(eq(mailboxState.mailbox, mailbox));

describe('GET /api/mail/mailboxes', () => {
  it('says connected while the heartbeat is fresh, and when the watcher was last alive', async () => {
    await mailboxStateRepository.heartbeat(ctx.db, 'fresh@example.com');
    const fresh = await view('fresh@example.com');
    expect(fresh).toMatchObject({ connected: true });
    expect(Math.abs(Date.parse(fresh?.last_alive_at ?? '') - Date.now())).toBeLessThan(5_000);

    await aliveSecondsAgo('fresh@example.com', 8);
    expect(await view('fresh@example.com')).toMatchObject({ connected: true });
  });

  it('says not connected once the heartbeat is over 10 s old, whatever the row last said', async () => {
    await mailboxStateRepository.heartbeat(ctx.db, 'stale@example.com');
    await aliveSecondsAgo('stale@example.com', 11);
    const stale = await view('stale@example.com');
    expect(stale).toMatchObject({ connected: false });
    expect(stale?.last_alive_at).not.toBeNull();
    // A new heartbeat: connected again.
    await mailboxStateRepository.heartbeat(ctx.db, 'stale@example.com');
    expect(await view('stale@example.com')).toMatchObject({ connected: true });
  });

  it('a mailbox never watched has no heartbeat and is not connected', async () => {
    await mailboxStateRepository.upsert(ctx.db, 'never@example.com', { connected: true });
    expect(await view('never@example.com')).toMatchObject({ connected: false, last_alive_at: null });
  });
});
