import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MailChannel } from '../../src/email/outbound/mail-channel.js';
import { mailChannelRepository } from '../../src/email/outbound/mail-channel-repository.js';
import type { TicketView } from '../../src/tickets/ticket-schemas.js';
import { type Ok, TestContext, type TestUser } from '../helpers/context.js';
import { testRedisUrl } from '../helpers/services.js';

/**
 * Whether an answer is mailed is decided by the deployment's mail channel (issue 13, point 2): an API
 * without SMTP settings in front of workers writes the answer's mail to the outbox as soon as a worker has
 * announced one in the database, and says so when none has; a process without Redis (no workers) decides
 * by its own settings only.
 */

/** A logger whose JSON lines the test can read. */
function capturingLog() {
  const lines: { level: number; msg: string; setting?: string; ticketId?: number }[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()));
      done();
    },
  });
  return { log: pino({ level: 'info' }, sink), lines };
}

interface Desk {
  ctx: TestContext;
  operator: TestUser;
  customer: TestUser;
}

async function desk(env: Record<string, string>): Promise<Desk> {
  const ctx = await TestContext.create(env);
  return { ctx, operator: await ctx.newUser('operator'), customer: await ctx.newUser() };
}

/** A customer's ticket answered publicly by the operator; the outbox rows the answer wrote. */
async function answer({ ctx, operator, customer }: Desk): Promise<{ kind: string; status: string }[]> {
  const ticket = await ctx.request<Ok<TicketView>>({
    method: 'POST',
    url: '/api/tickets',
    headers: customer.auth,
    payload: { subject: 'Where is my parcel?', description: 'It did not arrive.' },
  });
  expect(ticket.status).toBe(201);
  const posted = await ctx.request({
    method: 'POST',
    url: `/api/tickets/${ticket.body.data.id}/messages`,
    headers: operator.auth,
    payload: { text: 'It is on its way.' },
  });
  expect(posted.status).toBe(201);
  const outbox = await ctx.request<Ok<{ kind: string; status: string }[]>>({
    method: 'GET',
    url: `/api/mail/outbox?ticket_id=${ticket.body.data.id}`,
    headers: operator.auth,
  });
  expect(outbox.status).toBe(200);
  return outbox.body.data.map(({ kind, status }) => ({ kind, status }));
}

describe('an API without SMTP settings, in front of workers (Redis configured)', () => {
  let api: Desk;
  beforeAll(async () => {
    api = await desk({ REDIS_URL: `${testRedisUrl()}/13` });
  });
  afterAll(async () => api.ctx.close());

  it('before any worker announced a channel: says so at start-up, and an answer writes no outbox row', async () => {
    const { log, lines } = capturingLog();
    const channel = new MailChannel(api.ctx.config.mail, api.ctx.db, { workersSend: true, log });
    await channel.reportAtStart();
    expect(lines).toEqual([
      expect.objectContaining({ level: 40, setting: 'smtp_host', msg: expect.stringContaining('not emailed') }),
    ]);
    expect(await answer(api)).toEqual([]);
  });

  it('once a worker announced one: the very next answer waits in the outbox for a worker', async () => {
    await mailChannelRepository.announce(api.ctx.db, 'support@example.com', 'Support');
    expect(await answer(api)).toEqual([{ kind: 'reply', status: 'pending' }]);

    const { log, lines } = capturingLog();
    const channel = new MailChannel(api.ctx.config.mail, api.ctx.db, { workersSend: true, log });
    await channel.reportAtStart();
    expect(lines).toEqual([expect.objectContaining({ level: 30, msg: expect.stringContaining('mail channel found') })]);
    expect(await channel.current()).toEqual({ supportAddress: 'support@example.com', fromName: 'Support' });
  });
});

describe('a process without Redis and without SMTP settings (no workers: it is the only sender)', () => {
  let embedded: Desk;
  beforeAll(async () => {
    embedded = await desk({});
  });
  afterAll(async () => embedded.ctx.close());

  it('writes no outbox row nobody would send, even where an earlier configuration announced a channel', async () => {
    await mailChannelRepository.announce(embedded.ctx.db, 'old-support@example.com', 'Support');
    expect(await answer(embedded)).toEqual([]);
    const channel = new MailChannel(embedded.ctx.config.mail, embedded.ctx.db, {
      workersSend: false,
      log: capturingLog().log,
    });
    expect(channel.relies).toBe(false);
    expect(await channel.current()).toBeUndefined();
  });
});
