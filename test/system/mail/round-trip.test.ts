import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { groups } from '../../../src/db/schema.js';
import type { TicketEventView } from '../../../src/events/event-schemas.js';
import type { MessageView } from '../../../src/messages/message-schemas.js';
import type { TicketView } from '../../../src/tickets/ticket-schemas.js';
import { type Ok, type Page, TestContext, type TestUser } from '../../helpers/context.js';
import { MailClient, type MailStack, mailEnv, newAddress, startMailStack } from '../../helpers/mail.js';
import { waitUntil } from '../../helpers/wait.js';

let stack: MailStack;
let ctx: TestContext;
let support: string;
let operator: TestUser;

beforeAll(async () => {
  stack = await startMailStack();
  support = newAddress(stack, 'support');
  // The default group is named in another case than it was created with: names compare ignoring case.
  ctx = await TestContext.create({ ...mailEnv(stack, support), EMAIL_DEFAULT_GROUP: 'first line' });
  await ctx.db.insert(groups).values({ name: 'First Line' });
  await ctx.app.services.background.start();
  operator = await ctx.newUser('operator');
});
afterAll(async () => ctx.close());

async function ticketsOf(address: string): Promise<TicketView[]> {
  const res = await ctx.request<Page<TicketView>>({
    method: 'GET',
    url: '/api/tickets?limit=200',
    headers: operator.auth,
  });
  return res.body.data.filter((t) => t.creator.email === address);
}

describe('a customer writes, an operator answers, the customer replies', () => {
  it('goes round the whole loop through real SMTP and IMAP', async () => {
    const alice = new MailClient(stack, newAddress(stack, 'alice'));
    const sentId = await alice.send({
      to: support,
      fromName: 'Alice Example',
      subject: 'Printer is on fire',
      text: 'It prints nothing, and smokes.',
      attachments: [{ filename: 'photo.txt', content: 'smoke', contentType: 'text/plain' }],
    });

    // 1. A ticket appears, opened by a new customer account, with the attachment.
    const [ticket] = await waitUntil(async () => {
      const found = await ticketsOf(alice.address);
      return found.length > 0 ? found : undefined;
    }, 5_000);
    expect(ticket).toMatchObject({ subject: 'Printer is on fire', status: 'open', group: { name: 'First Line' } });
    expect(ticket?.description).toContain('It prints nothing, and smokes.');
    const id = ticket?.id as number;
    const files = await ctx.request<Ok<{ filename: string; id: number }[]>>({
      method: 'GET',
      url: `/api/tickets/${id}/attachments`,
      headers: operator.auth,
    });
    expect(files.body.data.map((f) => f.filename)).toEqual(['photo.txt']);

    // 2. The customer gets an acknowledgement with the ticket token, marked as automatic.
    const ack = await alice.waitForMail((m) => (m.subject ?? '').includes(`[#${id}]`));
    expect(ack.parsed.headers.get('auto-submitted')).toBe('auto-replied');
    expect(ack.parsed.inReplyTo).toBe(sentId);

    // 3. An internal note is never emailed; a public answer is, threaded on the customer's mail.
    await ctx.request({
      method: 'POST',
      url: `/api/tickets/${id}/messages`,
      headers: operator.auth,
      payload: { text: 'Internal: customer is VIP', internal: true },
    });
    await ctx.request({
      method: 'POST',
      url: `/api/tickets/${id}/messages`,
      headers: operator.auth,
      payload: { text: 'Please unplug it.' },
    });
    const answer = await alice.waitForMail((m) => (m.text ?? '').includes('Please unplug it.'));
    expect(answer.parsed.subject).toBe(`Re: Printer is on fire [#${id}]`);
    expect(answer.parsed.inReplyTo).toBe(sentId);
    expect(answer.parsed.replyTo?.value[0]?.address).toBe(support);
    expect(answer.parsed.messageId).toMatch(new RegExp(`@${support.split('@')[1]}>$`));
    expect(answer.parsed.headers.get('auto-submitted')).toBeUndefined();
    const all = await alice.inbox();
    expect(all.some(({ parsed }) => (parsed.text ?? '').includes('VIP'))).toBe(false);

    // 4. The customer closes the ticket, then replies from the mail client: same ticket, reopened, quote stripped.
    await ctx.request({
      method: 'PATCH',
      url: `/api/tickets/${id}`,
      headers: operator.auth,
      payload: { status: 'closed' },
    });
    await alice.send({
      to: support,
      subject: `Re: Printer is on fire [#${id}]`,
      inReplyTo: answer.parsed.messageId,
      references: [sentId, answer.parsed.messageId ?? ''],
      text: 'Unplugged, still smoking.\n\nOn Mon, 1 Jan 2026 at 10:00, Support wrote:\n> Please unplug it.\n',
      attachments: [{ filename: 'отчёт.csv', content: 'a,b\n1,2\n', contentType: 'text/csv' }],
    });
    const reply = await waitUntil(async () => {
      const res = await ctx.request<Page<MessageView>>({
        method: 'GET',
        url: `/api/tickets/${id}/messages`,
        headers: operator.auth,
      });
      return res.body.data.find((m) => m.channel === 'email');
    }, 5_000);
    expect(reply.text).toBe('Unplugged, still smoking.');
    expect(reply.author.email).toBe(alice.address);
    expect(reply.attachments).toEqual([
      { id: expect.any(Number), filename: 'отчёт.csv', content_type: 'text/csv', size: 8 },
    ]);
    const download = await ctx.app.inject({
      method: 'GET',
      url: `/api/tickets/${id}/attachments/${reply.attachments[0]?.id}`,
      headers: operator.auth,
    });
    expect(download.statusCode).toBe(200);
    expect(download.body).toBe('a,b\n1,2\n');
    expect(download.headers['content-disposition']).toContain(`filename*=UTF-8''${encodeURIComponent('отчёт.csv')}`);
    const reopened = await ctx.request<Ok<TicketView>>({
      method: 'GET',
      url: `/api/tickets/${id}`,
      headers: operator.auth,
    });
    expect(reopened.body.data.status).toBe('open');
    expect(await ticketsOf(alice.address)).toHaveLength(1);

    // 5. The history tells it all, mail included: who wrote in, what left, who reopened it.
    const history = await waitUntil(async () => {
      const res = await ctx.request<Page<TicketEventView>>({
        method: 'GET',
        url: `/api/tickets/${id}/events?limit=200`,
        headers: operator.auth,
      });
      return res.body.data.filter((e) => e.type === 'email.sent').length >= 2 ? res.body.data : undefined;
    }, 5_000);
    const byType = (type: string) => history.filter((e) => e.type === type);
    expect(byType('ticket.created')[0]?.actor?.email).toBe(alice.address);
    expect(byType('email.received').map((e) => [e.actor?.email, e.message_id])).toEqual([
      [alice.address, null],
      [alice.address, reply.id],
    ]);
    expect(byType('email.sent').every((e) => e.actor === null)).toBe(true);
    expect(byType('ticket.updated').at(-1)).toMatchObject({ changes: { status: { from: 'closed', to: 'open' } } });
  });
});

describe('a merged ticket', () => {
  it("takes the customer's mail to the old thread onto the ticket it was merged into", async () => {
    const bob = new MailClient(stack, newAddress(stack, 'bob'));
    await bob.send({ to: support, subject: 'Scanner jams', text: 'First try.' });
    const firstAck = await bob.waitForMail((m) => (m.subject ?? '').includes('Scanner jams'));
    await bob.send({ to: support, subject: 'Scanner still jams', text: 'Second try.' });
    const tickets = await waitUntil(async () => {
      const found = await ticketsOf(bob.address);
      return found.length === 2 ? found : undefined;
    }, 5_000);
    const old = tickets.find((t) => t.subject === 'Scanner jams') as TicketView;
    const kept = tickets.find((t) => t.subject === 'Scanner still jams') as TicketView;
    const merged = await ctx.request<Ok<TicketView>>({
      method: 'POST',
      url: `/api/tickets/${old.id}/merge`,
      headers: operator.auth,
      payload: { into_ticket_id: kept.id },
    });
    expect(merged.status).toBe(200);

    await bob.send({
      to: support,
      subject: `Re: Scanner jams [#${old.id}]`,
      inReplyTo: firstAck.parsed.messageId,
      references: [firstAck.parsed.messageId ?? ''],
      text: 'Any news on this?',
    });
    const landed = await waitUntil(async () => {
      const res = await ctx.request<Page<MessageView>>({
        method: 'GET',
        url: `/api/tickets/${kept.id}/messages`,
        headers: operator.auth,
      });
      return res.body.data.find((m) => m.text === 'Any news on this?');
    }, 5_000);
    expect(landed.author.email).toBe(bob.address);
    const oldOne = await ctx.request<Ok<TicketView>>({
      method: 'GET',
      url: `/api/tickets/${old.id}`,
      headers: operator.auth,
    });
    expect(oldOne.body.data).toMatchObject({ status: 'closed', merged_into_id: kept.id });
    expect(await ticketsOf(bob.address)).toHaveLength(2);
  });
});
