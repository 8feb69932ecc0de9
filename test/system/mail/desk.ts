import { randomUUID } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ImapFlow } from 'imapflow';
import type { Static } from 'typebox';
import { expect } from 'vitest';
import type { MailboxWatcher } from '../../../src/email/inbound/mailbox-watcher.js';
import type { Mailbox, MailLogEntry, OutboxEntry } from '../../../src/email/log/mail-schemas.js';
import type { MessageView } from '../../../src/messages/message-schemas.js';
import type { TicketView } from '../../../src/tickets/ticket-schemas.js';
import { type Page, TestContext, type TestUser } from '../../helpers/context.js';
import { type MailStack, mailEnv, mailQueueEmpty, newAddress } from '../../helpers/mail.js';
import { waitUntil } from '../../helpers/wait.js';

export type LogEntry = Static<typeof MailLogEntry>;
export type OutboxRow = Static<typeof OutboxEntry>;
export type MailboxView = Static<typeof Mailbox>;

/**
 * One Service Desk on its own database and support mailbox, with its mail channel running, seen the way an
 * operator sees it: through the API only.
 */
export class Desk implements DeskAccess {
  private constructor(
    readonly stack: MailStack,
    readonly ctx: TestContext,
    readonly operator: TestUser,
    readonly support: string,
  ) {}

  /** `start: false` leaves the mail channel off until `start()`. */
  static async open(
    stack: MailStack,
    prefix: string,
    env: Record<string, string> = {},
    options: { start?: boolean } = {},
  ): Promise<Desk> {
    const support = newAddress(stack, prefix);
    const ctx = await TestContext.create({ ...mailEnv(stack, support), ...env });
    const desk = new Desk(stack, ctx, await ctx.newUser('operator'), support);
    if (options.start !== false) await desk.start();
    return desk;
  }

  async start(): Promise<void> {
    await this.ctx.app.services.background.start();
    // Connected, so nothing a test does races the start-up.
    await waitUntil(async () => (await this.mailbox())?.connected, 15_000);
  }

  async close(): Promise<void> {
    await this.ctx.close();
  }

  get watcher(): MailboxWatcher {
    const watcher = this.ctx.app.services.background.watcher;
    if (!watcher) throw new Error('this desk watches no mailbox');
    return watcher;
  }

  /** Every page of a list endpoint, in the order the API gives. */
  private async all<T>(url: string): Promise<T[]> {
    const items: T[] = [];
    let cursor: string | null = null;
    do {
      const separator = url.includes('?') ? '&' : '?';
      const res: { status: number; body: Page<T> } = await this.ctx.request<Page<T>>({
        method: 'GET',
        url: `${url}${separator}limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        headers: this.operator.auth,
      });
      expect(res.status).toBe(200);
      items.push(...res.body.data);
      cursor = res.body.meta.next_cursor;
    } while (cursor);
    return items;
  }

  tickets(): Promise<TicketView[]> {
    return this.all<TicketView>('/api/tickets');
  }

  async ticketsOf(address: string): Promise<TicketView[]> {
    return (await this.tickets()).filter((t) => t.creator.email === address.toLowerCase());
  }

  messages(ticketId: number): Promise<MessageView[]> {
    return this.all<MessageView>(`/api/tickets/${ticketId}/messages`);
  }

  /** The mail log, newest first. */
  log(): Promise<LogEntry[]> {
    return this.all<LogEntry>('/api/mail/log');
  }

  async inbound(messageId: string): Promise<LogEntry[]> {
    return (await this.log()).filter((e) => e.direction === 'inbound' && e.message_id === messageId);
  }

  /** Waits until the mail with this Message-ID has been through the pipeline; its first log entry. */
  async processed(messageId: string, timeoutMs = 10_000): Promise<LogEntry> {
    return waitUntil(async () => (await this.inbound(messageId)).at(-1), timeoutMs);
  }

  /** Outgoing mail, newest first. */
  outbox(): Promise<OutboxRow[]> {
    return this.all<OutboxRow>('/api/mail/outbox');
  }

  async acknowledgementsTo(address: string): Promise<OutboxRow[]> {
    return (await this.outbox()).filter((o) => o.kind === 'acknowledgement' && o.to === address.toLowerCase());
  }

  async mailbox(): Promise<MailboxView | undefined> {
    const res = await this.ctx.request<{ data: MailboxView[] }>({
      method: 'GET',
      url: '/api/mail/mailboxes',
      headers: this.operator.auth,
    });
    expect(res.status).toBe(200);
    return res.body.data.find((m) => m.mailbox === this.support);
  }

  /** An operator's public answer through the API, which answers at once whatever SMTP is doing. */
  async answer(ticketId: number, text: string): Promise<void> {
    const res = await this.ctx.request({
      method: 'POST',
      url: `/api/tickets/${ticketId}/messages`,
      headers: this.operator.auth,
      payload: { text },
    });
    expect(res.status).toBe(201);
  }

  async outboxRowOf(ticketId: number, kind: OutboxRow['kind']): Promise<OutboxRow | undefined> {
    return (await this.outbox()).find((o) => o.ticket_id === ticketId && o.kind === kind);
  }

  /** Waits until nothing sent so far can still arrive (see `settled`): then "nothing else arrived" is a count. */
  settled(timeoutMs?: number): Promise<void> {
    return settled(this.stack, this, timeoutMs);
  }

  /** Waits until the ticket's outbox row of `kind` is sent; returns it. */
  async sent(ticketId: number, kind: OutboxRow['kind'], timeoutMs = 15_000): Promise<OutboxRow> {
    return waitUntil(async () => {
      const row = await this.outboxRowOf(ticketId, kind);
      return row?.status === 'sent' ? row : undefined;
    }, timeoutMs);
  }
}

/** What `settled` needs of a desk: its API, an operator's token, and its support mailbox. */
export interface DeskAccess {
  ctx: TestContext;
  operator: TestUser;
  support: string;
}

/**
 * Waits until no mail the desk was sent, or sent itself, can still arrive anywhere: counting a mailbox
 * afterwards proves "nothing else arrives". Each step waits for the one that feeds it, along mail's path:
 *  1. Postfix's queue is empty: every mail accepted so far is in its mailbox (or bounced);
 *  2. the desk has taken in every mail of its support mailbox (its position is at the highest UID), so
 *     whatever it answers with is in the outbox (written in the same transaction);
 *  3. no outbox row is pending, each is sent or failed: a sender claims only pending rows (a claimed row
 *     stays pending until it is marked sent), so no job is sending and a sent row is never sent again;
 *  4. Postfix's queue is empty again: what the desk sent is in its recipients' mailboxes.
 */
export async function settled(stack: MailStack, desk: DeskAccess, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const step = (what: string, probe: () => Promise<boolean>) =>
    waitUntil(probe, Math.max(deadline - Date.now(), 1)).catch((error: unknown) => {
      throw new Error(`mail did not settle (${what}): ${String(error)}`);
    });
  await step("Postfix's queue is empty", () => mailQueueEmpty(stack));
  await step('every mail of the support mailbox is taken in', async () => {
    const [validity, highest] = await withImap(stack, desk.support, async (imap) => {
      const uids = (await imap.search({ all: true }, { uid: true })) || [];
      return [imap.mailbox ? Number(imap.mailbox.uidValidity) : undefined, Math.max(0, ...uids)] as const;
    });
    if (highest === 0) return true;
    const res = await desk.ctx.request<{ data: MailboxView[] }>({
      method: 'GET',
      url: '/api/mail/mailboxes',
      headers: desk.operator.auth,
    });
    const state = res.body.data.find((m) => m.mailbox === desk.support);
    return state !== undefined && state.uid_validity === validity && state.last_uid >= highest;
  });
  await step('no outbox row is pending', async () => {
    const res = await desk.ctx.request<Page<OutboxRow>>({
      method: 'GET',
      url: '/api/mail/outbox?status=pending&limit=1',
      headers: desk.operator.auth,
    });
    return res.status === 200 && res.body.data.length === 0;
  });
  await step("Postfix's queue is empty after the desk's sending", () => mailQueueEmpty(stack));
}

/** The shared mail corpus beside the repository (`<repo>/../shared/mail-corpus`); missing is a failure, not a skip. */
export function corpusFolder(): string {
  const folder = path.resolve(fileURLToPath(new URL('../../..', import.meta.url)), '..', 'shared', 'mail-corpus');
  if (!existsSync(folder) || !statSync(folder).isDirectory()) {
    throw new Error(`Mail corpus not found at ${folder}: check out the shared folder beside the repository.`);
  }
  return folder;
}

export const messageId = (tag = 'test') => `<${tag}-${randomUUID()}@client.example.test>`;

/** A hand-made mail, CRLF line ends, as a client or a robot would write it. */
export function rawMail(mail: {
  from: string;
  to: string;
  subject: string;
  messageId: string;
  headers?: Record<string, string>;
  body?: string;
}): string {
  const head = [
    `From: ${mail.from}`,
    `To: ${mail.to}`,
    `Subject: ${mail.subject}`,
    `Message-ID: ${mail.messageId}`,
    'Date: Mon, 05 Jan 2026 10:00:00 +0000',
    'MIME-Version: 1.0',
    ...Object.entries(mail.headers ?? {}).map(([name, value]) => `${name}: ${value}`),
  ];
  if (!Object.keys(mail.headers ?? {}).some((name) => name.toLowerCase() === 'content-type')) {
    head.push('Content-Type: text/plain; charset=utf-8');
  }
  return `${head.join('\r\n')}\r\n\r\n${(mail.body ?? 'Hello.').replace(/\r?\n/g, '\r\n')}\r\n`;
}

/** A logged-in IMAP session of `user` on the stack, for what a mail client (or a crash) does to flags. */
export async function withImap<T>(stack: MailStack, user: string, use: (client: ImapFlow) => Promise<T>): Promise<T> {
  const client = new ImapFlow({
    host: '127.0.0.1',
    port: stack.imapPort,
    secure: false,
    auth: { user, pass: stack.password },
    tls: { ca: [stack.caPem] },
    logger: false,
  });
  await client.connect();
  try {
    await client.mailboxOpen('INBOX');
    return await use(client);
  } finally {
    await client.logout();
  }
}

export async function isSeen(imap: ImapFlow, uid: number): Promise<boolean> {
  const message = await imap.fetchOne(String(uid), { flags: true }, { uid: true });
  return message ? (message.flags?.has('\\Seen') ?? false) : false;
}

/** The header block of a raw mail, unfolded: one entry per header field. */
export function headerFields(raw: Buffer): string[] {
  const text = raw.toString('utf8');
  const end = text.search(/\r?\n\r?\n/);
  return (end < 0 ? text : text.slice(0, end))
    .split(/\r?\n(?![ \t])/)
    .map((field) => field.replace(/\r?\n[ \t]+/g, ' '));
}
