import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mailboxState } from '../../../src/db/schema.js';
import { parseMail } from '../../../src/email/parsing/parse-mail.js';
import type { Ok } from '../../helpers/context.js';
import {
  deliverFiles,
  deliverRaw,
  MailClient,
  type MailStack,
  mailStack,
  newAddress,
  startMailStack,
} from '../../helpers/mail.js';
import { waitUntil } from '../../helpers/wait.js';
import { corpusFolder, Desk, isSeen, type LogEntry, messageId, type OutboxRow, rawMail, withImap } from './desk.js';

/**
 * What must never happen when the servers misbehave: a mail becoming two tickets, an answer lost or sent
 * twice, a watcher that stays down or gets stuck. End to end through the real Postfix and Dovecot, on an
 * instance of our own (this file stops and restarts its servers).
 */

let stack: MailStack;
/** The desk most scenarios share (each with customers of its own), on default settings. */
let desk: Desk;
/** A desk with tight limits: two send attempts, mail up to 20 kB. */
let strict: Desk;
beforeAll(async () => {
  stack = await startMailStack({ name: 'faults', portOffset: 10 });
  [desk, strict] = await Promise.all([
    Desk.open(stack, 'support'),
    Desk.open(stack, 'support-strict', { EMAIL_SEND_MAX_ATTEMPTS: '2', EMAIL_MAX_BYTES: '20000' }),
  ]);
});
afterAll(async () => {
  await desk?.close();
  await strict?.close();
});

/** The Message-ID as the pipeline stores it: an absurdly long one becomes a digest of itself. */
const indexable = (id: string) =>
  id.length <= 250 ? id : `<${createHash('sha256').update(id).digest('hex')}@long-id.invalid>`;

const matching = async (client: MailClient, text: string) =>
  (await client.inbox()).filter(({ parsed }) => (parsed.text ?? '').includes(text));

describe('one mail, one ticket', () => {
  it('a mail delivered twice into the mailbox opens one ticket; the copy is logged as a duplicate', async () => {
    const customer = new MailClient(stack, newAddress(stack, 'twice'));
    const id = messageId('twice');
    const raw = rawMail({
      from: `Twice <${customer.address}>`,
      to: desk.support,
      subject: 'Delivered twice',
      messageId: id,
      body: 'One ticket, please.',
    });
    await deliverRaw(stack, desk.support, raw);
    await deliverRaw(stack, desk.support, raw);

    const entries = await waitUntil(async () => {
      const found = await desk.inbound(id);
      return found.length >= 2 ? found : undefined;
    });
    const tickets = await desk.ticketsOf(customer.address);
    expect(tickets).toHaveLength(1);
    const ticketId = tickets[0]?.id;
    expect(entries.map((e) => e.outcome).sort()).toEqual(['duplicate', 'ticket_created']);
    expect(entries.map((e) => e.ticket_id)).toEqual([ticketId, ticketId]);
    expect(entries.find((e) => e.outcome === 'duplicate')?.reason).toMatch(/^duplicate of mail #\d+$/);

    await desk.sent(ticketId as number, 'acknowledgement');
    await customer.waitForMail((m) => (m.subject ?? '').includes(`[#${ticketId}]`));
    await desk.settled();
    expect(await desk.acknowledgementsTo(customer.address)).toHaveLength(1);
    expect(await customer.inbox()).toHaveLength(1);
  });

  it('a mail fetched again after a crash between commit and \\Seen is a no-op', async () => {
    const customer = new MailClient(stack, newAddress(stack, 'crash'));
    const id = await customer.send({ to: desk.support, subject: 'Crash before seen', text: 'Only once.' });
    const entry = await desk.processed(id);
    expect(entry.outcome).toBe('ticket_created');
    await desk.sent(entry.ticket_id as number, 'acknowledgement');
    await customer.waitForMail((m) => (m.subject ?? '').includes(`[#${entry.ticket_id}]`));
    const logBefore = await desk.log();
    const outboxBefore = await desk.outbox();

    // The server "forgets" it marked the mail: \Seen is gone and the stored position is back at the start.
    const uid = await withImap(stack, desk.support, async (imap) => {
      const [found] = (await imap.search({ header: { 'message-id': id } }, { uid: true })) || [];
      if (found === undefined) throw new Error(`${id} is not in the support mailbox`);
      // Marked after the commit: wait for it, so the test undoes a mark that was really made.
      await waitUntil(() => isSeen(imap, found));
      await imap.messageFlagsRemove(String(found), ['\\Seen'], { uid: true });
      expect(await isSeen(imap, found)).toBe(false);
      return found;
    });
    await desk.ctx.db.update(mailboxState).set({ lastUid: 0 }).where(eq(mailboxState.mailbox, desk.support));
    expect((await desk.mailbox())?.last_uid).toBe(0);

    await desk.watcher.requestSync();

    // Every mail of the mailbox was fetched again (the position is back past them) and nothing changed.
    expect((await desk.mailbox())?.last_uid).toBeGreaterThanOrEqual(uid);
    expect(await withImap(stack, desk.support, (imap) => isSeen(imap, uid))).toBe(true);
    expect(await desk.ticketsOf(customer.address)).toHaveLength(1);
    expect(await desk.log()).toEqual(logBefore);
    expect(await desk.outbox()).toEqual(outboxBefore);
    await desk.settled();
    expect(await customer.inbox()).toHaveLength(1);
  });
});

describe('a burst from many senders', () => {
  it("ingests senders side by side, but one sender's reply after their first mail, in the same batch", async () => {
    // The mails wait in the mailbox before the watcher starts, so one batch holds all of them.
    const burst = await Desk.open(stack, 'support-burst', {}, { start: false });
    try {
      const senders = ['ann', 'ben', 'cat', 'dan', 'eve', 'fay'].map((name) => newAddress(stack, name));
      const firsts = senders.map(() => messageId('first'));
      const replies = senders.map(() => messageId('reply'));
      for (const [i, address] of senders.entries()) {
        const first = firsts[i] as string;
        await deliverRaw(
          stack,
          burst.support,
          rawMail({ from: address, to: burst.support, subject: `Burst ${i}`, messageId: first, body: 'First.' }),
        );
        await deliverRaw(
          stack,
          burst.support,
          rawMail({
            from: address,
            to: burst.support,
            subject: `Re: Burst ${i}`,
            messageId: replies[i] as string,
            headers: { 'In-Reply-To': first, References: first },
            body: 'And a follow-up.',
          }),
        );
      }
      await burst.start();
      for (const [i, address] of senders.entries()) {
        const opened = await burst.processed(firsts[i] as string, 30_000);
        const followUp = await burst.processed(replies[i] as string, 30_000);
        expect(opened.outcome, address).toBe('ticket_created');
        expect(followUp.outcome, address).toBe('reply_added');
        expect(followUp.ticket_id, address).toBe(opened.ticket_id);
        expect(await burst.ticketsOf(address)).toHaveLength(1);
      }
      // The position moves once the whole batch is recorded.
      const state = await waitUntil(async () => {
        const mailbox = await burst.mailbox();
        return mailbox && mailbox.last_uid >= senders.length * 2 ? mailbox : undefined;
      });
      // Not a single failed sync on the way (a reply racing its sender's first mail fails, then is retried).
      expect(state).toMatchObject({ last_uid: senders.length * 2, consecutive_errors: 0, last_error: null });
    } finally {
      await burst.close();
    }
  });
});

describe('SMTP down', () => {
  it('an answer is accepted at once, retried while SMTP is down, and arrives exactly once', async () => {
    const owner = await desk.ctx.newUser('customer', { email: newAddress(stack, 'patient') });
    const ticket = await desk.ctx.newTicket(owner);
    const text = 'Written while the mail server was down.';
    let pending: OutboxRow;
    await mailStack(stack, 'stop-smtp');
    try {
      await desk.answer(ticket.id, text);
      pending = await waitUntil(async () => {
        const row = await desk.outboxRowOf(ticket.id, 'reply');
        return row && row.attempts >= 1 ? row : undefined;
      });
    } finally {
      await mailStack(stack, 'start-smtp');
    }
    expect(pending.status).toBe('pending');
    expect(pending.last_error).toMatch(/\S/);

    const customer = new MailClient(stack, owner.user.email);
    await customer.waitForMail((m) => (m.text ?? '').includes(text), 20_000);
    const sent = await desk.sent(ticket.id, 'reply');
    expect(sent).toMatchObject({ message_id: pending.message_id, last_error: null });
    expect(sent.attempts).toBeGreaterThanOrEqual(2);
    await desk.settled();
    expect(await matching(customer, text)).toHaveLength(1);
  });

  it('an answer that keeps failing ends failed, and "send again" delivers it once', async () => {
    const owner = await strict.ctx.newUser('customer', { email: newAddress(stack, 'failed') });
    const ticket = await strict.ctx.newTicket(owner);
    const text = 'This one needs a second chance.';
    let failed: OutboxRow;
    await mailStack(stack, 'stop-smtp');
    try {
      await strict.answer(ticket.id, text);
      failed = await waitUntil(async () => {
        const row = await strict.outboxRowOf(ticket.id, 'reply');
        return row?.status === 'failed' ? row : undefined;
      }, 20_000);
    } finally {
      await mailStack(stack, 'start-smtp');
    }
    expect(failed.attempts).toBe(2);
    expect(failed.last_error).toMatch(/\S/);

    // A failed row stays failed with SMTP back: nobody gets it until an operator asks.
    const customer = new MailClient(stack, owner.user.email);
    expect(await matching(customer, text)).toHaveLength(0);
    const resend = await strict.ctx.request<Ok<OutboxRow>>({
      method: 'POST',
      url: `/api/mail/outbox/${failed.id}/resend`,
      headers: strict.operator.auth,
    });
    expect(resend.status).toBe(200);
    expect(resend.body.data).toMatchObject({ id: failed.id, status: 'pending' });

    await customer.waitForMail((m) => (m.text ?? '').includes(text), 15_000);
    expect(await strict.sent(ticket.id, 'reply')).toMatchObject({ id: failed.id, message_id: failed.message_id });
    await strict.settled();
    expect(await matching(customer, text)).toHaveLength(1);
    const again = await strict.ctx.request({
      method: 'POST',
      url: `/api/mail/outbox/${failed.id}/resend`,
      headers: strict.operator.auth,
    });
    expect(again.status).toBe(400);
  });
});

describe('IMAP trouble', () => {
  it('after an IMAP restart the watcher reconnects by itself and new mail still becomes a ticket', async () => {
    const before = await desk.mailbox();
    expect(before).toMatchObject({ connected: true, consecutive_errors: 0 });

    // Watch the state the way an operator's dashboard would, through the whole outage.
    let worst = 0;
    let watching = true;
    const dashboard = (async () => {
      while (watching) {
        worst = Math.max(worst, (await desk.mailbox())?.consecutive_errors ?? 0);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    try {
      await mailStack(stack, 'restart-imap');
      await waitUntil(async () => {
        const now = await desk.mailbox();
        return worst > 0 && now?.connected && now.consecutive_errors === 0;
      }, 15_000);
    } finally {
      watching = false;
      await dashboard;
    }
    const after = await desk.mailbox();
    expect(after?.last_error_at).not.toBeNull();
    expect(after?.last_error_at).not.toBe(before?.last_error_at);

    const customer = new MailClient(stack, newAddress(stack, 'after-restart'));
    const id = await customer.send({ to: desk.support, subject: 'After the restart', text: 'Still there?' });
    expect((await desk.processed(id, 10_000)).outcome).toBe('ticket_created');
    expect(await desk.ticketsOf(customer.address)).toHaveLength(1);
  });

  it('after a UIDVALIDITY change new mail becomes a ticket and old mail delivered again does not', async () => {
    const customer = newAddress(stack, 'old');
    const oldId = messageId('old');
    const oldRaw = rawMail({ from: customer, to: desk.support, subject: 'Before the wipe', messageId: oldId });
    await deliverRaw(stack, desk.support, oldRaw);
    expect(await desk.processed(oldId)).toMatchObject({ outcome: 'ticket_created' });
    const before = await desk.mailbox();

    await mailStack(stack, 'wipe', desk.support);
    const after = await waitUntil(async () => {
      const now = await desk.mailbox();
      return now?.connected && now.uid_validity !== before?.uid_validity ? now : undefined;
    }, 15_000);
    expect(after.last_uid).toBe(0);

    // The old mail comes back first (a restored backup, say), then a new one: UIDs 1 and 2.
    const newcomer = newAddress(stack, 'new');
    const newId = messageId('new');
    await deliverRaw(stack, desk.support, oldRaw);
    await deliverRaw(
      stack,
      desk.support,
      rawMail({ from: newcomer, to: desk.support, subject: 'After', messageId: newId }),
    );
    expect(await desk.processed(newId)).toMatchObject({ outcome: 'ticket_created' });
    // The position moves (and \Seen is set) just after the commit.
    await waitUntil(async () => (await desk.mailbox())?.last_uid === 2);

    expect(await desk.ticketsOf(newcomer)).toHaveLength(1);
    expect(await desk.ticketsOf(customer)).toHaveLength(1);
    expect((await desk.inbound(oldId)).map((e) => e.outcome)).toEqual(['ticket_created']);
    expect(await desk.mailbox()).toMatchObject({ connected: true, consecutive_errors: 0 });
    const unseen = await withImap(stack, desk.support, async (imap) => (await imap.search({ seen: false })) || []);
    expect(unseen).toEqual([]);
  });
});

describe('oversize mail', () => {
  it('is dropped as too large without blocking the mailbox', async () => {
    const customer = new MailClient(stack, newAddress(stack, 'big'));
    const line = `${'All work and no play makes Jack a dull boy. '.repeat(2)}\n`;
    const bigId = await customer.send({ to: strict.support, subject: 'Huge', text: line.repeat(1200) });
    const smallId = await customer.send({ to: strict.support, subject: 'Small', text: 'A normal mail.' });

    const big = await strict.processed(bigId);
    expect(big).toMatchObject({ outcome: 'dropped', ticket_id: null });
    expect(big.reason).toContain('too large');
    expect(big.size_bytes).toBeGreaterThan(100_000);
    expect((await strict.processed(smallId)).outcome).toBe('ticket_created');
    const tickets = await strict.ticketsOf(customer.address);
    expect(tickets.map((t) => t.subject)).toEqual(['Small']);
    expect(await strict.mailbox()).toMatchObject({ connected: true, consecutive_errors: 0 });
  });
});

describe('the whole mail corpus through the real pipeline', () => {
  const walk = (folder: string): string[] =>
    readdirSync(folder)
      .flatMap((name) => {
        const full = path.join(folder, name);
        return statSync(full).isDirectory() ? walk(full) : [full];
      })
      .sort();

  let corpusDesk: Desk;
  beforeAll(async () => {
    corpusDesk = await Desk.open(stack, 'support-corpus', {}, { start: false });
  });
  afterAll(async () => corpusDesk?.close());

  it('every file is logged once, the watcher never sticks, and no bounce or auto-reply opens a ticket', async () => {
    const corpus = corpusFolder();
    const files = walk(corpus).filter((file) => path.basename(file) !== 'README.md');
    expect(files.length).toBeGreaterThan(250);

    // The watcher is already taking them while they arrive.
    await corpusDesk.start();
    await deliverFiles(stack, corpusDesk.support, files);
    await waitUntil(async () => ((await corpusDesk.mailbox())?.last_uid ?? 0) >= files.length, 100_000, 250);
    const entries = (await corpusDesk.log()).filter((e) => e.direction === 'inbound').sort((a, b) => a.id - b.id);
    expect(entries).toHaveLength(files.length);
    expect(await corpusDesk.mailbox()).toMatchObject({
      connected: true,
      consecutive_errors: 0,
      last_uid: files.length,
    });

    // Which file each UID holds: Dovecot may number mails saved in a burst out of delivery order. Each
    // log entry is found by the Message-ID the pipeline derives from the served bytes; files sharing one
    // (the second is a duplicate) come from one sender, whose mails are taken in UID order.
    const served = await withImap(stack, corpusDesk.support, (imap) =>
      imap.fetchAll('1:*', { uid: true, source: true }, { uid: true }),
    );
    served.sort((a, b) => a.uid - b.uid);
    expect(served).toHaveLength(files.length);
    // Dovecot serves line ends as CR LF and a NUL byte as 0x80.
    const lines = (raw: Buffer) => raw.toString('latin1').replace(/\r\n/g, '\n').replace(/\0/g, '\x80');
    const fileOf = new Map(files.map((file) => [lines(readFileSync(file)), path.relative(corpus, file)]));
    const byMessageId = new Map<string, LogEntry[]>();
    for (const entry of entries)
      byMessageId.set(entry.message_id, [...(byMessageId.get(entry.message_id) ?? []), entry]);
    const outcomes = new Map<string, LogEntry>();
    for (const { uid, source } of served) {
      const file = source ? fileOf.get(lines(source)) : undefined;
      if (!source || !file) throw new Error(`UID ${uid} holds none of the corpus files`);
      const entry = byMessageId.get(indexable((await parseMail(source)).messageId))?.shift();
      if (!entry) throw new Error(`${file}: no log entry with its Message-ID`);
      outcomes.set(file, entry);
    }
    expect(outcomes.size).toBe(new Set(fileOf.values()).size);
    const machineMade = [...outcomes.keys()].filter((file) => /^sisimai\/bsd_/.test(file));
    expect(machineMade.length).toBeGreaterThan(30);
    for (const file of machineMade) {
      const entry = outcomes.get(file);
      // Dropped by a rule, or a second copy of a mail that was (sisimai reuses a few Message-IDs).
      expect({
        file,
        dropped: entry?.outcome === 'dropped' || entry?.outcome === 'duplicate',
        ticket: entry?.ticket_id,
      }).toEqual({
        file,
        dropped: true,
        ticket: null,
      });
    }
    const created = entries.filter((e) => e.outcome === 'ticket_created');
    expect(await corpusDesk.tickets()).toHaveLength(created.length);
  }, 150_000);
});
