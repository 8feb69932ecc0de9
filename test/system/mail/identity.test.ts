import type { ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessageView } from '../../../src/messages/message-schemas.js';
import type { TicketView } from '../../../src/tickets/ticket-schemas.js';
import type { UserView } from '../../../src/users/user-schemas.js';
import type { Ok, Page } from '../../helpers/context.js';
import { MailClient, type MailStack, newAddress, startMailStack } from '../../helpers/mail.js';
import { waitUntil } from '../../helpers/wait.js';
import { Desk } from './desk.js';

/**
 * Who is who, end to end through the real Postfix and Dovecot: an address belongs to whoever reads its
 * mail, so signing up with someone else's address shows nothing of theirs; mail cannot act as staff, post
 * on a stranger's ticket, or thread when the receiving server says its From is forged.
 */

const TRUSTED = 'mx.example.test';
let stack: MailStack;
let desk: Desk;

beforeAll(async () => {
  stack = await startMailStack();
  desk = await Desk.open(stack, 'support-identity', {
    EMAIL_TRUSTED_AUTHSERV_ID: TRUSTED,
    EMAIL_NEW_TICKETS_PER_SENDER_PER_HOUR: '2',
    EMAIL_MAX_ATTACHMENTS: '2',
  });
});
afterAll(async () => desk?.close());

const PASSWORD = 'a-long-and-unusual-passphrase-7';

async function signUp(email: string, username: string): Promise<UserView> {
  const res = await desk.ctx.request<Ok<UserView>>({
    method: 'POST',
    url: '/api/users',
    payload: { email, username, password: PASSWORD },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.data;
}

async function logIn(login: string, password = PASSWORD): Promise<{ authorization: string }> {
  const res = await desk.ctx.request<{ access_token: string }>({
    method: 'POST',
    url: '/api/auth/token',
    payload: { username: login, password },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return { authorization: `Bearer ${res.body.access_token}` };
}

async function ticketIdsSeenBy(auth: { authorization: string }): Promise<number[]> {
  const res = await desk.ctx.request<Page<TicketView>>({ method: 'GET', url: '/api/tickets?limit=200', headers: auth });
  expect(res.status).toBe(200);
  return res.body.data.map((t) => t.id);
}

/** The single-use code of an account mail, as its reader copies it. */
function codeIn(mail: ParsedMail): string {
  const code = /code ([A-Za-z0-9_-]{43})/.exec(mail.text ?? '')?.[1];
  if (!code) throw new Error(`no code in: ${mail.text}`);
  return code;
}

/** The owner of `address` asks for a reset, reads the code in their inbox, and chooses a password. */
async function claimByReset(owner: MailClient, password: string): Promise<UserView> {
  const asked = await desk.ctx.request({
    method: 'POST',
    url: '/api/auth/password-reset',
    payload: { email: owner.address },
  });
  expect(asked.status).toBe(202);
  const { parsed } = await owner.waitForMail((m) => m.subject === 'Choose a new password', 20_000);
  const done = await desk.ctx.request<Ok<UserView>>({
    method: 'POST',
    url: '/api/auth/password-reset/confirm',
    payload: { token: codeIn(parsed), password },
  });
  expect(done.status, JSON.stringify(done.body)).toBe(200);
  return done.body.data;
}

const authenticated = (dmarc: 'pass' | 'fail') =>
  `${TRUSTED}; dkim=${dmarc === 'pass' ? 'pass' : 'none'} header.d=example.test; dmarc=${dmarc} (p=REJECT) header.from=example.test`;

describe('an address belongs to whoever reads its mail', () => {
  it("an unverified sign-up with someone else's address sees nothing of their mail; the owner claims it by a reset", async () => {
    const owner = new MailClient(stack, newAddress(stack, 'ceo'));
    const squatter = await signUp(owner.address, `squatter_${Date.now()}`);
    expect(squatter.email_verified).toBe(false);
    const squatterAuth = await logIn(squatter.username);

    const id = await owner.send({ to: desk.support, subject: 'VPN access', text: 'My VPN password is hunter2.' });
    const entry = await desk.processed(id);
    expect(entry.outcome).toBe('ticket_created');
    const ticketId = entry.ticket_id as number;

    // The squatter's account has the address, but has not proved it: the mail's ticket is not theirs to see.
    expect(await ticketIdsSeenBy(squatterAuth)).not.toContain(ticketId);
    for (const url of [`/api/tickets/${ticketId}`, `/api/tickets/${ticketId}/messages`]) {
      expect((await desk.ctx.request({ method: 'GET', url, headers: squatterAuth })).status).toBe(404);
    }
    const reply = await desk.ctx.request({
      method: 'POST',
      url: `/api/tickets/${ticketId}/messages`,
      headers: squatterAuth,
      payload: { text: 'Please send it again' },
    });
    expect(reply.status).toBe(400);

    // The operator's answer goes to the address, where the owner reads it.
    await desk.answer(ticketId, 'Your VPN account is reset.');
    await owner.waitForMail((m) => (m.text ?? '').includes('Your VPN account is reset.'), 20_000);
    // The sign-up's verification mail reached the owner too; it names the account, and is no use without it.
    const verification = await owner.waitForMail((m) => m.subject === 'Confirm your email address');
    expect(verification.parsed.text).toContain(squatter.username);
    expect(await ticketIdsSeenBy(squatterAuth)).not.toContain(ticketId);

    // The owner takes the account over by mail: a new password, the address proved, the squatter out.
    const claimed = await claimByReset(owner, 'the-owners-own-passphrase-1');
    expect(claimed).toMatchObject({ id: squatter.id, email_verified: true });
    expect((await desk.ctx.request({ method: 'GET', url: '/api/users/me', headers: squatterAuth })).status).toBe(401);
    expect(await ticketIdsSeenBy(await logIn(owner.address, 'the-owners-own-passphrase-1'))).toContain(ticketId);
  });

  it("a mail reserves nobody's address: its owner claims the account the mail created", async () => {
    const owner = new MailClient(stack, newAddress(stack, 'writer'));
    const id = await owner.send({ to: desk.support, subject: 'Printer', text: 'It does not print.' });
    const ticketId = (await desk.processed(id)).ticket_id as number;

    // Sign-up answers as the specification says for a taken address; the reset is the way in.
    const taken = await desk.ctx.request({
      method: 'POST',
      url: '/api/users',
      payload: { email: owner.address, username: `writer_${Date.now()}`, password: PASSWORD },
    });
    expect(taken.status).toBe(400);
    const claimed = await claimByReset(owner, 'my-brand-new-passphrase-2');
    expect(claimed.email_verified).toBe(true);
    expect(await ticketIdsSeenBy(await logIn(owner.address, 'my-brand-new-passphrase-2'))).toContain(ticketId);
  });
});

describe('mail cannot impersonate', () => {
  /** A customer's first mail and its ticket: the thread the others try to get into. */
  async function thread(prefix: string) {
    const customer = new MailClient(stack, newAddress(stack, prefix));
    const messageId = await customer.send({ to: desk.support, subject: 'Invoice 7', text: 'The amount is wrong.' });
    const ticketId = (await desk.processed(messageId)).ticket_id as number;
    return { customer, messageId, ticketId };
  }

  it('a mail with a staff From is recorded, never posted: staff answer through the API', async () => {
    const { messageId, ticketId } = await thread('bob');
    const asOperator = new MailClient(stack, desk.operator.user.email);
    const forged = await asOperator.send({
      to: desk.support,
      fromName: 'Support Team',
      subject: 'Re: Invoice 7',
      text: 'Please log in at http://evil.example/ to see the corrected invoice.',
      inReplyTo: messageId,
    });
    expect(await desk.processed(forged)).toMatchObject({
      outcome: 'dropped',
      ticket_id: null,
      reason: expect.stringMatching(/staff account/),
    });
    expect(await desk.messages(ticketId)).toEqual([]);
  });

  it("a reply to someone else's thread opens a ticket of its own, saying why", async () => {
    const { messageId, ticketId } = await thread('carol');
    const eve = new MailClient(stack, newAddress(stack, 'eve'));
    const id = await eve.send({
      to: desk.support,
      subject: 'Re: Invoice 7',
      text: 'Pay me instead.',
      inReplyTo: messageId,
    });
    const entry = await desk.processed(id);
    expect(entry).toMatchObject({ outcome: 'ticket_created' });
    expect(entry.ticket_id).not.toBe(ticketId);
    expect(entry.reason).toBe(`new ticket (sender may not write on ticket #${ticketId})`);
    expect(await desk.messages(ticketId)).toEqual([]);
  });

  it('a colleague the customer copied may reply on the ticket', async () => {
    const customer = new MailClient(stack, newAddress(stack, 'dave'));
    const colleague = new MailClient(stack, newAddress(stack, 'colleague'));
    const first = await customer.send({
      to: desk.support,
      subject: 'Access for my team',
      text: 'My colleague will follow up.',
      headers: { Cc: colleague.address },
    });
    const ticketId = (await desk.processed(first)).ticket_id as number;
    const reply = await colleague.send({
      to: desk.support,
      subject: 'Re: Access for my team',
      text: 'Here I am.',
      inReplyTo: first,
    });
    expect(await desk.processed(reply)).toMatchObject({ outcome: 'reply_added', ticket_id: ticketId });
    expect((await desk.messages(ticketId)).map((m: MessageView) => m.author.email)).toEqual([colleague.address]);
  });

  it('a forged From the receiving server failed (DMARC) never threads, reopens, or gets an answer', async () => {
    const { customer, ticketId } = await thread('frank');
    const closed = await desk.ctx.request({
      method: 'PATCH',
      url: `/api/tickets/${ticketId}`,
      headers: desk.operator.auth,
      payload: { status: 'closed' },
    });
    expect(closed.status).toBe(200);
    const subject = `Re: Invoice 7 [#${ticketId}]`;
    // Someone else's server, with the customer's From; our server says DMARC failed (above a forged "pass").
    const forger = new MailClient(stack, customer.address);
    const forged = await forger.send({
      to: desk.support,
      subject,
      text: 'Changed my bank details, see attachment.',
      headers: { 'Authentication-Results': authenticated('fail') },
    });
    const entry = await desk.processed(forged);
    expect(entry.outcome).toBe('ticket_created');
    expect(entry.ticket_id).not.toBe(ticketId);
    expect(entry.reason).toMatch(/DMARC fail/);
    expect(await desk.messages(ticketId)).toEqual([]);
    const original = await desk.ctx.request<Ok<TicketView>>({
      method: 'GET',
      url: `/api/tickets/${ticketId}`,
      headers: desk.operator.auth,
    });
    expect(original.body.data.status).toBe('closed');
    expect(await desk.acknowledgementsTo(customer.address)).toHaveLength(1);

    // The same mail, authenticated: the token counts, the ticket reopens.
    const genuine = await customer.send({
      to: desk.support,
      subject,
      text: 'Any news?',
      headers: { 'Authentication-Results': authenticated('pass') },
    });
    expect(await desk.processed(genuine)).toMatchObject({ outcome: 'reply_added', ticket_id: ticketId });
  });

  it('a Message-ID someone else sent first does not suppress the real mail', async () => {
    const predictable = `<invoice-2026-001@billing.example.test>`;
    const mallory = new MailClient(stack, newAddress(stack, 'mallory'));
    const first = await mallory.send({ to: desk.support, subject: 'Hello', text: 'First!', messageId: predictable });
    await desk.processed(first);
    const victim = new MailClient(stack, newAddress(stack, 'grace'));
    await victim.send({ to: desk.support, subject: 'Invoice 001', text: 'Please check.', messageId: predictable });
    const mine = await waitUntil(async () => (await desk.inbound(predictable)).find((e) => e.from === victim.address));
    expect(mine.outcome).toBe('ticket_created');
    expect((await desk.ticketsOf(victim.address)).map((t) => t.subject)).toEqual(['Invoice 001']);
  });
});

describe('what one sender can make us store', () => {
  it('new tickets by mail are limited per sender per hour, and a mail with too many files opens none', async () => {
    const chatty = new MailClient(stack, newAddress(stack, 'chatty'));
    const entries = [];
    for (const n of [1, 2, 3]) {
      const id = await chatty.send({ to: desk.support, subject: `Question ${n}`, text: `Question ${n}` });
      entries.push(await desk.processed(id));
    }
    expect(entries.map((e) => e.outcome)).toEqual(['ticket_created', 'ticket_created', 'dropped']);
    expect(entries[2]?.reason).toBe('rate limited: 2 new tickets an hour from this sender');

    const hoarder = new MailClient(stack, newAddress(stack, 'hoarder'));
    const files = ['a', 'b', 'c'].map((name) => ({ filename: `${name}.txt`, content: name }));
    const id = await hoarder.send({ to: desk.support, subject: 'Files', text: 'Three files.', attachments: files });
    expect(await desk.processed(id)).toMatchObject({
      outcome: 'dropped',
      reason: 'too many attachments (3, at most 2)',
    });
    expect(await desk.ticketsOf(hoarder.address)).toEqual([]);
  });
});
