import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OutboxRow, outbox, tickets } from '../../src/db/schema.js';
import type { MessageView } from '../../src/messages/message-schemas.js';
import type { TicketView } from '../../src/tickets/ticket-schemas.js';
import type { UserView } from '../../src/users/user-schemas.js';
import { type Ok, TestContext, type TestUser } from '../helpers/context.js';

/**
 * Proving an address through the API: the verification code mailed at sign-up, "forgot password", what an
 * unverified account may not see, and how staff appear to customers. Outgoing mail is configured but never
 * sent here (the app's jobs are not started): a test reads the code from the outbox row, as the mail would
 * carry it.
 */

const SUPPORT = 'help@desk.example.com';
const MAIL = { SMTP_HOST: '127.0.0.1', SMTP_PORT: '9', SMTP_FROM_EMAIL: SUPPORT };
const PASSWORD = 'a-long-and-unusual-passphrase-7';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await TestContext.create(MAIL);
});
afterAll(async () => ctx.close());

async function signUp(): Promise<{ user: UserView; auth: { authorization: string } }> {
  const username = ctx.unique('signup');
  const res = await ctx.request<Ok<UserView>>({
    method: 'POST',
    url: '/api/users',
    payload: { email: `${username}@example.com`, username, password: PASSWORD },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  const login = await ctx.request<{ access_token: string }>({
    method: 'POST',
    url: '/api/auth/token',
    payload: { username, password: PASSWORD },
  });
  return { user: res.body.data, auth: { authorization: `Bearer ${login.body.access_token}` } };
}

async function mailsTo(address: string, kind: OutboxRow['kind']): Promise<OutboxRow[]> {
  const rows = await ctx.db.select().from(outbox).where(eq(outbox.toAddress, address));
  return rows.filter((row) => row.kind === kind);
}

/** The code the newest mail of `kind` to `address` carries. */
async function codeMailedTo(address: string, kind: OutboxRow['kind']): Promise<string> {
  const mail = (await mailsTo(address, kind)).at(-1);
  const code = /code ([A-Za-z0-9_-]{43})/.exec(mail?.bodyText ?? '')?.[1];
  if (!code) throw new Error(`no ${kind} code mailed to ${address}`);
  return code;
}

describe('verifying an address', () => {
  it('sign-up mails a code; only the account it was sent for can use it, once', async () => {
    const { user, auth } = await signUp();
    expect(user.email_verified).toBe(false);
    const code = await codeMailedTo(user.email, 'verification');

    // Someone else holding the code (the address's real owner, say) cannot verify a stranger's account with it.
    const other = await ctx.newUser('customer');
    const refused = await ctx.request({
      method: 'POST',
      url: '/api/users/verify-email',
      headers: other.auth,
      payload: { token: code },
    });
    expect(refused.status).toBe(400);

    const verified = await ctx.request<Ok<UserView>>({
      method: 'POST',
      url: '/api/users/verify-email',
      headers: auth,
      payload: { token: code },
    });
    expect(verified.status).toBe(200);
    expect(verified.body.data).toMatchObject({ id: user.id, email_verified: true });
    const again = await ctx.request({
      method: 'POST',
      url: '/api/users/verify-email',
      headers: auth,
      payload: { token: code },
    });
    expect(again.status).toBe(400);
  });

  it('sends another code on request, at most three an hour, and none to a verified address', async () => {
    const { user, auth } = await signUp();
    const ask = () => ctx.request({ method: 'POST', url: '/api/users/me/verification-email', headers: auth });
    expect((await ask()).status).toBe(202);
    expect((await ask()).status).toBe(202);
    const capped = await ask();
    expect(capped.status).toBe(429);
    expect(Number(capped.headers['retry-after'])).toBeGreaterThan(0);
    expect(await mailsTo(user.email, 'verification')).toHaveLength(3);

    const code = await codeMailedTo(user.email, 'verification');
    await ctx.request({ method: 'POST', url: '/api/users/verify-email', headers: auth, payload: { token: code } });
    expect((await ask()).status).toBe(400);
  });

  it('an admin vouches for an address; nobody else can', async () => {
    const { user, auth } = await signUp();
    const self = await ctx.request({
      method: 'PATCH',
      url: `/api/users/${user.id}`,
      headers: auth,
      payload: { email_verified: true },
    });
    expect(self.status).toBe(403);
    const admin = await ctx.newUser('admin');
    const vouched = await ctx.request<Ok<UserView>>({
      method: 'PATCH',
      url: `/api/users/${user.id}`,
      headers: admin.auth,
      payload: { email_verified: true },
    });
    expect(vouched.body.data.email_verified).toBe(true);
    // Accounts an admin creates are vouched for from the start.
    const username = ctx.unique('agent');
    const created = await ctx.request<Ok<UserView>>({
      method: 'POST',
      url: '/api/users',
      headers: admin.auth,
      payload: { email: `${username}@example.com`, username, password: PASSWORD, role: 'operator' },
    });
    expect(created.body.data.email_verified).toBe(true);
  });
});

describe('forgot password', () => {
  it('answers the same for any address, mails a code only to an account, and the code works once', async () => {
    const ask = (email: string) => ctx.request({ method: 'POST', url: '/api/auth/password-reset', payload: { email } });
    const nobody = await ask('nobody-at-all@example.com');
    const { user, auth } = await signUp();
    const somebody = await ask(user.email.toUpperCase());
    expect([nobody.status, somebody.status]).toEqual([202, 202]);
    expect(nobody.body).toEqual(somebody.body);
    expect(await mailsTo('nobody-at-all@example.com', 'password_reset')).toEqual([]);

    const code = await codeMailedTo(user.email, 'password_reset');
    const reset = (password: string) =>
      ctx.request<Ok<UserView>>({
        method: 'POST',
        url: '/api/auth/password-reset/confirm',
        payload: { token: code, password },
      });
    const done = await reset('a-different-long-passphrase-3');
    expect(done.status).toBe(200);
    // Following the link proved the address; the old session ends, the new password works.
    expect(done.body.data.email_verified).toBe(true);
    expect((await ctx.request({ method: 'GET', url: '/api/users/me', headers: auth })).status).toBe(401);
    const login = await ctx.request({
      method: 'POST',
      url: '/api/auth/token',
      payload: { username: user.username, password: 'a-different-long-passphrase-3' },
    });
    expect(login.status).toBe(200);
    expect((await reset('yet-another-long-passphrase-4')).status).toBe(400);
  });

  it('keeps the password policy, and mails at most three codes an hour to one address', async () => {
    const { user } = await signUp();
    for (let i = 0; i < 5; i++) {
      await ctx.request({ method: 'POST', url: '/api/auth/password-reset', payload: { email: user.email } });
    }
    expect(await mailsTo(user.email, 'password_reset')).toHaveLength(3);
    const code = await codeMailedTo(user.email, 'password_reset');
    const weak = await ctx.request({
      method: 'POST',
      url: '/api/auth/password-reset/confirm',
      payload: { token: code, password: 'short' },
    });
    expect(weak.status).toBe(422);
  });
});

describe('without outgoing mail', () => {
  it('says so instead of pretending to send', async () => {
    const plain = await TestContext.create();
    try {
      const user = await plain.newUser('customer', { verified: false });
      const verify = await plain.request({
        method: 'POST',
        url: '/api/users/me/verification-email',
        headers: user.auth,
      });
      const reset = await plain.request({
        method: 'POST',
        url: '/api/auth/password-reset',
        payload: { email: user.user.email },
      });
      expect([verify.status, reset.status]).toEqual([409, 409]);
      expect(reset.body).toEqual({ detail: 'Mail is not configured on this server; ask an admin' });
    } finally {
      await plain.close();
    }
  });
});

describe('what an unverified account sees and gets', () => {
  let owner: TestUser;
  let unverified: TestUser;
  let operator: TestUser;
  let byMail: number;
  let byApi: number;
  beforeAll(async () => {
    owner = await ctx.newUser('customer');
    unverified = await ctx.newUser('customer', { verified: false });
    operator = await ctx.newUser('operator');
    byApi = (await ctx.newTicket(unverified)).id;
    // A ticket that came by mail from the unverified account's address.
    byMail = (await ctx.newTicket(unverified)).id;
    await ctx.db.update(tickets).set({ channel: 'email' }).where(eq(tickets.id, byMail));
  });

  it('its own API tickets, but not what arrived by mail from its address', async () => {
    const list = await ctx.request<{ data: TicketView[] }>({
      method: 'GET',
      url: '/api/tickets',
      headers: unverified.auth,
    });
    expect(list.body.data.map((t) => t.id)).toEqual([byApi]);
    expect((await ctx.request({ method: 'GET', url: `/api/tickets/${byMail}`, headers: unverified.auth })).status).toBe(
      404,
    );
    const patch = await ctx.request({
      method: 'PATCH',
      url: `/api/tickets/${byMail}`,
      headers: unverified.auth,
      payload: { status: 'closed' },
    });
    expect(patch.status).toBe(400);
  });

  it('answers to its API tickets are not mailed to an address nobody proved; a verified one gets them', async () => {
    const answer = (ticketId: number) =>
      ctx.request({
        method: 'POST',
        url: `/api/tickets/${ticketId}/messages`,
        headers: operator.auth,
        payload: { text: 'We are on it.' },
      });
    expect((await answer(byApi)).status).toBe(201);
    expect(await mailsTo(unverified.user.email, 'reply')).toEqual([]);
    // A ticket that came by mail is answered to the address it came from.
    expect((await answer(byMail)).status).toBe(201);
    expect(await mailsTo(unverified.user.email, 'reply')).toHaveLength(1);
    const verifiedTicket = await ctx.newTicket(owner);
    expect((await answer(verifiedTicket.id)).status).toBe(201);
    expect(await mailsTo(owner.user.email, 'reply')).toHaveLength(1);
  });

  it("customers see staff with the support address, never their own; staff see each other's", async () => {
    const ticket = await ctx.newTicket(owner);
    await ctx.request({
      method: 'PATCH',
      url: `/api/tickets/${ticket.id}`,
      headers: operator.auth,
      payload: { operator_id: operator.user.id },
    });
    await ctx.request({
      method: 'POST',
      url: `/api/tickets/${ticket.id}/messages`,
      headers: operator.auth,
      payload: { text: 'Hi' },
    });
    const asCustomer = await ctx.request<Ok<TicketView>>({
      method: 'GET',
      url: `/api/tickets/${ticket.id}`,
      headers: owner.auth,
    });
    expect(asCustomer.body.data.operator?.email).toBe(SUPPORT);
    expect(asCustomer.body.data.creator.email).toBe(owner.user.email);
    const list = await ctx.request<{ data: TicketView[] }>({ method: 'GET', url: '/api/tickets', headers: owner.auth });
    expect(list.body.data.find((t) => t.id === ticket.id)?.operator?.email).toBe(SUPPORT);
    const messages = await ctx.request<{ data: MessageView[] }>({
      method: 'GET',
      url: `/api/tickets/${ticket.id}/messages`,
      headers: owner.auth,
    });
    expect(messages.body.data.map((m) => m.author.email)).toEqual([SUPPORT]);
    const asStaff = await ctx.request<Ok<TicketView>>({
      method: 'GET',
      url: `/api/tickets/${ticket.id}`,
      headers: operator.auth,
    });
    expect(asStaff.body.data.operator?.email).toBe(operator.user.email);
  });
});

describe('how much one account may write', () => {
  it('limits tickets and messages per hour with 429 and Retry-After; RATE_LIMITS=off lifts it', async () => {
    const limited = await TestContext.create({ TICKETS_PER_USER_PER_HOUR: '2', MESSAGES_PER_USER_PER_HOUR: '3' });
    const unlimited = await TestContext.create({ TICKETS_PER_USER_PER_HOUR: '2', RATE_LIMITS: 'off' });
    try {
      for (const app of [limited, unlimited]) {
        const customer = await app.newUser('customer');
        const open = () =>
          app.request<Ok<TicketView>>({
            method: 'POST',
            url: '/api/tickets',
            headers: customer.auth,
            payload: { subject: 'Again', description: 'And again' },
          });
        const statuses = [(await open()).status, (await open()).status];
        const third = await open();
        statuses.push(third.status);
        if (app === unlimited) {
          expect(statuses).toEqual([201, 201, 201]);
          continue;
        }
        expect(statuses).toEqual([201, 201, 429]);
        expect(third.body).toEqual({ detail: 'At most 2 new tickets an hour; try again later' });
        const wait = Number(third.headers['retry-after']);
        expect(wait).toBeGreaterThan(3500);
        expect(wait).toBeLessThanOrEqual(3600);

        const ticket = await app.newTicket(customer);
        const say = () =>
          app.request({
            method: 'POST',
            url: `/api/tickets/${ticket.id}/messages`,
            headers: customer.auth,
            payload: { text: 'Hi' },
          });
        const said = [];
        for (let i = 0; i < 4; i++) said.push((await say()).status);
        expect(said).toEqual([201, 201, 201, 429]);
      }
    } finally {
      await limited.close();
      await unlimited.close();
    }
  });
});
