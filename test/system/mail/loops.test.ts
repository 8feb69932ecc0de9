import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMail } from '../../../src/email/parsing/parse-mail.js';
import { deliverRaw, MailClient, type MailStack, newAddress, startMailStack } from '../../helpers/mail.js';
import { waitUntil } from '../../helpers/wait.js';
import { corpusFolder, Desk, headerFields, messageId, rawMail } from './desk.js';

/**
 * Mail the desk must not answer, must not trust, or must not let write our headers: auto-responders,
 * bounces, lists, a robot that answers everything, a forged ticket token, CR LF in names and subjects.
 * End to end through the real Postfix and Dovecot, on an instance of our own.
 */

let stack: MailStack;
let desk: Desk;
beforeAll(async () => {
  stack = await startMailStack({ name: 'loops', portOffset: 30 });
  desk = await Desk.open(stack, 'support', { EMAIL_AUTO_REPLY_LIMIT_PER_HOUR: '2' });
});
afterAll(async () => desk?.close());

describe('automated mail never opens a ticket nor gets an answer', () => {
  it('auto-replies, bounces, mailing lists and our own address are dropped, naming the rule', async () => {
    const ticketsBefore = await desk.tickets();
    const outboxBefore = await desk.outbox();
    const corpus = corpusFolder();
    const person = new MailClient(stack, newAddress(stack, 'person'));
    const member = new MailClient(stack, newAddress(stack, 'member'));
    const cases: { what: string; raw: Buffer | string; rule: RegExp }[] = [
      ...(
        [
          ['sisimai/bsd_rfc3834-01.eml', /^auto_reply: Auto-Submitted: auto-replied$/],
          ['sisimai/bsd_rfc3834-02.eml', /^auto_reply: X-Auto-Response-Suppress: All$/],
          ['sisimai/bsd_lhost-postfix-01.eml', /^bounce: delivery status notification/],
          ['sisimai/bsd_lhost-exim-01.eml', /^bounce: non-delivery notice/],
        ] as const
      ).map(([file, rule]) => ({ what: file, raw: readFileSync(path.join(corpus, file)), rule })),
      {
        what: 'out-of-office',
        raw: rawMail({
          from: `Person <${person.address}>`,
          to: desk.support,
          subject: 'Out of the office until Monday',
          messageId: messageId('ooo'),
          headers: { 'Auto-Submitted': 'auto-replied' },
          body: 'I am away and will read your mail when I am back.',
        }),
        rule: /^auto_reply: Auto-Submitted: auto-replied$/,
      },
      {
        what: 'mailing list',
        raw: rawMail({
          from: `Member <${member.address}>`,
          to: 'users@lists.example.test',
          subject: '[users] Anyone else seeing this?',
          messageId: messageId('list'),
          headers: { 'List-Id': 'Users <users.lists.example.test>' },
        }),
        rule: /^list: List-Id: Users <users\.lists\.example\.test>$/,
      },
      {
        what: 'our own address',
        raw: rawMail({
          from: `Service Desk <${desk.support}>`,
          to: desk.support,
          subject: 'Re: Your request [#1]',
          messageId: messageId('own'),
        }),
        rule: /^loop: sender is our own address/,
      },
    ];

    for (const { raw } of cases) await deliverRaw(stack, desk.support, raw);
    for (const { what, raw, rule } of cases) {
      const { messageId: id } = await parseMail(Buffer.from(raw));
      const entry = await desk.processed(id);
      expect({ what, outcome: entry.outcome, ticket: entry.ticket_id }).toEqual({
        what,
        outcome: 'dropped',
        ticket: null,
      });
      expect(entry.reason, what).toMatch(rule);
    }
    expect(await desk.tickets()).toEqual(ticketsBefore);
    expect(await desk.outbox()).toEqual(outboxBefore);
    await desk.settled();
    expect(await person.inbox()).toEqual([]);
    expect(await member.inbox()).toEqual([]);
  });

  it.each(['message/rfc822', 'text/rfc822-headers'])(
    'a bounce returning our mail (as %s) is linked to that mail',
    async (partType) => {
      const owner = await desk.ctx.newUser('customer', { email: newAddress(stack, 'gone') });
      const ticket = await desk.ctx.newTicket(owner);
      await desk.answer(ticket.id, 'An answer that will come back.');
      const sent = await desk.sent(ticket.id, 'reply');
      const ours = await waitUntil(async () =>
        (await desk.log()).find((e) => e.direction === 'outbound' && e.message_id === sent.message_id),
      );
      expect(ours).toMatchObject({ outcome: 'sent', ticket_id: ticket.id });
      const ticketsBefore = await desk.tickets();
      const messagesBefore = await desk.messages(ticket.id);

      const bounceId = messageId('dsn');
      await deliverRaw(
        stack,
        desk.support,
        deliveryReport({
          messageId: bounceId,
          to: desk.support,
          partType,
          original: [
            `From: Service Desk <${desk.support}>`,
            `To: ${owner.user.email}`,
            `Subject: ${sent.subject}`,
            `Message-ID: ${sent.message_id}`,
          ],
          recipient: owner.user.email,
        }),
      );
      const bounce = await desk.processed(bounceId);
      expect(bounce).toMatchObject({ outcome: 'dropped', ticket_id: null, bounce_of_id: ours.id });
      expect(bounce.reason).toMatch(/^bounce: /);
      expect(await desk.tickets()).toEqual(ticketsBefore);
      expect(await desk.messages(ticket.id)).toEqual(messagesBefore);
      expect((await desk.outbox()).filter((o) => o.ticket_id === ticket.id)).toHaveLength(1);
    },
  );
});

describe('mail loops', () => {
  it('a robot that answers every mail gets one acknowledgement; its answer joins the ticket', async () => {
    const robot = new MailClient(stack, newAddress(stack, 'robot'));
    const first = await robot.send({ to: desk.support, subject: 'Order 4711: status', text: 'Status report.' });
    const opened = await desk.processed(first);
    expect(opened).toMatchObject({ outcome: 'ticket_created' });
    const ticketId = opened.ticket_id as number;

    // The robot answers each mail it gets with a new mail of its own, threaded on ours but without any
    // auto-reply header, as many ticket systems do. It runs until it has nothing left to answer.
    const answered = new Set<string>();
    const robotMails: string[] = [];
    let rounds = 0;
    for (let round = 0; round < 4; round++) {
      // Whatever the desk sent the robot has arrived.
      const inbox = await waitUntil(async () => {
        const toRobot = (await desk.outbox()).filter((o) => o.to === robot.address);
        if (toRobot.some((o) => o.status !== 'sent')) return undefined;
        const got = await robot.inbox();
        return got.length === toRobot.length ? got : undefined;
      }, 15_000);
      const unanswered = inbox.filter(({ parsed }) => !answered.has(parsed.messageId ?? ''));
      if (unanswered.length === 0) break;
      rounds += 1;
      for (const { parsed } of unanswered) {
        answered.add(parsed.messageId ?? '');
        const id = await robot.send({
          to: desk.support,
          subject: `Re: ${parsed.subject ?? ''}`,
          inReplyTo: parsed.messageId,
          references: parsed.messageId ? [parsed.messageId] : [],
          text: 'Thank you for your message. It has been received and will be processed shortly.',
        });
        robotMails.push(id);
      }
      // Taken in: anything the desk sends in reaction is in the outbox by now (same transaction).
      for (const id of robotMails) await desk.processed(id);
    }

    expect(rounds).toBe(1);
    expect(await desk.ticketsOf(robot.address)).toHaveLength(1);
    expect((await desk.outbox()).filter((o) => o.to === robot.address).map((o) => o.kind)).toEqual(['acknowledgement']);
    expect(await desk.inbound(robotMails[0] as string)).toMatchObject([
      { outcome: 'reply_added', ticket_id: ticketId },
    ]);
    const messages = await desk.messages(ticketId);
    expect(messages.map((m) => [m.channel, m.text])).toEqual([
      ['email', 'Thank you for your message. It has been received and will be processed shortly.'],
    ]);
    await desk.settled();
    expect(await robot.inbox()).toHaveLength(1);
  });

  it('acknowledgements to one address are capped per hour, while every mail still opens its ticket', async () => {
    const chatty = new MailClient(stack, newAddress(stack, 'chatty'));
    const ids: string[] = [];
    for (let i = 1; i <= 5; i++) {
      ids.push(await chatty.send({ to: desk.support, subject: `Question ${i}`, text: `Question number ${i}.` }));
    }
    for (const id of ids) expect(await desk.processed(id)).toMatchObject({ outcome: 'ticket_created' });
    expect(await desk.ticketsOf(chatty.address)).toHaveLength(5);

    const acks = await desk.acknowledgementsTo(chatty.address);
    expect(acks).toHaveLength(2);
    for (const ack of acks) await desk.sent(ack.ticket_id as number, 'acknowledgement');
    await waitUntil(async () => (await chatty.inbox()).length >= 2);
    await desk.settled();
    const inbox = await chatty.inbox();
    expect(inbox).toHaveLength(2);
    expect(inbox.every(({ parsed }) => parsed.headers.get('auto-submitted') === 'auto-replied')).toBe(true);
  });
});

describe('who may add to a ticket', () => {
  it('a ticket token in the subject counts only from the ticket creator', async () => {
    const alice = new MailClient(stack, newAddress(stack, 'alice'));
    const owner = await desk.ctx.newUser('customer', { email: alice.address });
    const ticket = await desk.ctx.newTicket(owner, { subject: 'Invoice 42 is wrong' });
    const subject = `Re: Invoice 42 is wrong [#${ticket.id}]`;

    const mallory = new MailClient(stack, newAddress(stack, 'mallory'));
    const forged = await mallory.send({ to: desk.support, subject, text: 'Send the refund to my account instead.' });
    const entry = await desk.processed(forged);
    expect(entry).toMatchObject({ outcome: 'ticket_created' });
    expect(entry.ticket_id).not.toBe(ticket.id);
    expect((await desk.ticketsOf(mallory.address)).map((t) => t.id)).toEqual([entry.ticket_id]);
    expect(await desk.messages(ticket.id)).toEqual([]);
    // Mallory's acknowledgement names her own ticket, not Alice's.
    const ack = await mallory.waitForMail((m) => (m.subject ?? '').includes(`[#${entry.ticket_id}]`));
    expect(ack.parsed.subject).not.toContain(`[#${ticket.id}]`);

    // The same subject from the creator is added to the ticket: the token works, the sender decided.
    const genuine = await alice.send({ to: desk.support, subject, text: 'Any news?' });
    expect(await desk.processed(genuine)).toMatchObject({ outcome: 'reply_added', ticket_id: ticket.id });
    expect((await desk.messages(ticket.id)).map((m) => m.text)).toEqual(['Any news?']);
  });
});

describe('names and subjects never write our headers', () => {
  /** Whom an injected Bcc would reach. */
  let victim: MailClient;
  beforeAll(() => {
    victim = new MailClient(stack, newAddress(stack, 'victim'));
  });

  /** One Subject, no Bcc or injected field, one recipient: what the customer's raw source shows. */
  function expectNoInjection(mail: { parsed: ParsedMail; raw: Buffer }, customer: string): void {
    const names = headerFields(mail.raw).map((field) => field.slice(0, field.indexOf(':')).trim().toLowerCase());
    expect(names.filter((name) => name === 'subject')).toHaveLength(1);
    expect(names).not.toContain('bcc');
    expect(names).not.toContain('x-injected');
    expect(mail.parsed.subject ?? '').not.toMatch(/[\r\n]/);
    const to = Array.isArray(mail.parsed.to) ? mail.parsed.to : [mail.parsed.to];
    expect(to.flatMap((list) => list?.value.map((a) => a.address) ?? [])).toEqual([customer]);
    expect(mail.parsed.cc).toBeUndefined();
    expect(mail.parsed.bcc).toBeUndefined();
  }

  async function ackAndAnswer(customer: MailClient, firstMailId: string) {
    const opened = await desk.processed(firstMailId);
    expect(opened).toMatchObject({ outcome: 'ticket_created' });
    const ticketId = opened.ticket_id as number;
    const [ticket] = await desk.ticketsOf(customer.address);
    expect(ticket?.subject).not.toMatch(/[\r\n]/);
    await desk.answer(ticketId, `Operator answer on ticket ${ticketId}.`);
    const ack = await customer.waitForMail((m) => m.headers.get('auto-submitted') === 'auto-replied');
    const answer = await customer.waitForMail((m) => (m.text ?? '').includes(`Operator answer on ticket ${ticketId}.`));
    return { ticket, ack, answer };
  }

  it('CR LF, Cyrillic and emoji in a name and subject sent by a mail client (nodemailer)', async () => {
    const eve = new MailClient(stack, newAddress(stack, 'eve'));
    const id = await eve.send({
      to: desk.support,
      fromName: `Ева 🎉\r\nBcc: ${victim.address}`,
      subject: `Помогите 🔥\r\nBcc: ${victim.address}`,
      text: 'Hello from Eve.',
    });
    const { ticket, ack, answer } = await ackAndAnswer(eve, id);
    expect(ticket?.subject).toContain('Помогите 🔥');
    for (const mail of [ack, answer]) expectNoInjection(mail, eve.address);
    expect(ack.parsed.subject).toContain('Помогите 🔥');
    expect(ack.parsed.to && !Array.isArray(ack.parsed.to) ? ack.parsed.to.value[0]?.name : '').toContain('Ева 🎉');
    await desk.settled();
    expect(await victim.inbox()).toEqual([]);
  });

  it('CR LF hidden in RFC 2047 encoded words of a hand-made mail', async () => {
    const mallet = new MailClient(stack, newAddress(stack, 'mallet'));
    const encoded = (text: string) => `=?UTF-8?B?${Buffer.from(text).toString('base64')}?=`;
    const injected = `\r\nBcc: ${victim.address}\r\nX-Injected: yes`;
    const id = messageId('encoded');
    await deliverRaw(
      stack,
      desk.support,
      rawMail({
        from: `${encoded(`Mallet${injected}`)} <${mallet.address}>`,
        to: desk.support,
        subject: encoded(`Invoice${injected}`),
        messageId: id,
        body: 'Hello from Mallet.',
      }),
    );
    const { ack, answer } = await ackAndAnswer(mallet, id);
    for (const mail of [ack, answer]) expectNoInjection(mail, mallet.address);
    await desk.settled();
    expect(await victim.inbox()).toEqual([]);
  });
});

/** A delivery status notification (RFC 3464 in RFC 6522's multipart/report) returning `original`'s header. */
function deliveryReport(input: {
  messageId: string;
  to: string;
  partType: string;
  original: string[];
  recipient: string;
}): string {
  const boundary = 'dsn-boundary-1';
  return [
    `From: Mail Delivery System <MAILER-DAEMON@mx.${stack.domain}>`,
    `To: ${input.to}`,
    'Subject: Undelivered Mail Returned to Sender',
    `Message-ID: ${input.messageId}`,
    'Date: Mon, 05 Jan 2026 10:00:00 +0000',
    'Auto-Submitted: auto-replied',
    'MIME-Version: 1.0',
    `Content-Type: multipart/report; report-type=delivery-status; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=us-ascii',
    '',
    'This is the mail system. Your message could not be delivered to one or more recipients.',
    '',
    `--${boundary}`,
    'Content-Type: message/delivery-status',
    '',
    `Reporting-MTA: dns; mx.${stack.domain}`,
    '',
    `Final-Recipient: rfc822; ${input.recipient}`,
    'Action: failed',
    'Status: 5.1.1',
    'Diagnostic-Code: smtp; 550 5.1.1 User unknown',
    '',
    `--${boundary}`,
    `Content-Type: ${input.partType}`,
    '',
    ...input.original,
    'Date: Mon, 05 Jan 2026 09:59:00 +0000',
    '',
    ...(input.partType === 'message/rfc822' ? ['An answer that will come back.', ''] : []),
    `--${boundary}--`,
    '',
  ].join('\r\n');
}
