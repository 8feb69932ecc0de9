import { Value } from 'typebox/value';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TicketRow } from '../../src/db/schema.js';
import type { MessageView } from '../../src/messages/message-schemas.js';
import { ValidationErrorBody } from '../../src/routes/http-schemas.js';
import type { TicketView } from '../../src/tickets/ticket-schemas.js';
import type { UserView } from '../../src/users/user-schemas.js';
import { expectUnharmed, expectValidation, recordingSender } from '../helpers/answers.js';
import { type Ok, type Page, TestContext, type TestUser } from '../helpers/context.js';
import { newWorld } from '../helpers/world.js';

/**
 * Text at its limits: lengths counted in characters (a 4-byte emoji is one), NUL refused in every text field
 * (PostgreSQL cannot store it), other Unicode (RTL, combining marks, ZWJ sequences) kept byte for byte.
 */

let ctx: TestContext;
let customer: TestUser;
let operator: TestUser;
let ticket: TicketRow;
const { send, serverErrors } = recordingSender(() => ctx);

beforeAll(async () => {
  ctx = await TestContext.create({ LOGIN_RATE_LIMIT_PER_MINUTE: '100000' });
  ({ owner: customer, operator, ticket } = await newWorld(ctx));
});
afterAll(async () => ctx.close());

const createTicket = (payload: Record<string, unknown>) =>
  send<Ok<TicketView>>({ method: 'POST', url: '/api/tickets', headers: customer.auth, payload });
const readTicket = (id: number) =>
  send<Ok<TicketView>>({ method: 'GET', url: `/api/tickets/${id}`, headers: customer.auth });
const postMessage = (text: string) =>
  send<Ok<MessageView>>({
    method: 'POST',
    url: `/api/tickets/${ticket.id}/messages`,
    headers: operator.auth,
    payload: { text },
  });

const EMOJI = '😀'; // one character, two UTF-16 units, four UTF-8 bytes
const RTL = 'مرحبا بالعالم — שלום עולם \u202Ereversed\u202C';
const TRICKY = `👨‍👩‍👧‍👦 é (e + U+0301) 𝕏 ${RTL} \u200b zero-width, \uFEFF BOM, 🏳️‍🌈`;

describe('length limits count characters', () => {
  it('takes a subject of 255 characters and refuses 256', async () => {
    const ok = await createTicket({ subject: 's'.repeat(255), description: 'd' });
    expect(ok.status).toBe(201);
    expect(ok.body.data.subject).toBe('s'.repeat(255));
    expectValidation(
      await createTicket({ subject: 's'.repeat(256), description: 'd' }),
      ['body', 'subject'],
      'string_too_long',
    );
  });

  it('takes a subject of 255 four-byte emoji (510 UTF-16 units) and refuses 256', async () => {
    const ok = await createTicket({ subject: EMOJI.repeat(255), description: 'd' });
    expect(ok.status).toBe(201);
    expect((await readTicket(ok.body.data.id)).body.data.subject).toBe(EMOJI.repeat(255));
    const tooLong = await createTicket({ subject: EMOJI.repeat(256), description: 'd' });
    expectValidation(tooLong, ['body', 'subject'], 'string_too_long');
  });

  it('takes a description and a message of 50,000 characters and refuses 50,001', async () => {
    const description = await createTicket({ subject: 's', description: EMOJI.repeat(50_000) });
    expect(description.status).toBe(201);
    expect((await readTicket(description.body.data.id)).body.data.description).toBe(EMOJI.repeat(50_000));
    const tooLong = await createTicket({ subject: 's', description: `${EMOJI.repeat(50_000)}x` });
    expectValidation(tooLong, ['body', 'description'], 'string_too_long');

    const message = await postMessage('m'.repeat(50_000));
    expect(message.status).toBe(201);
    expectValidation(await postMessage('m'.repeat(50_001)), ['body', 'text'], 'string_too_long');
  });
});

describe('Unicode', () => {
  it('keeps RTL text, emoji sequences, combining marks and invisible characters exactly', async () => {
    const created = await createTicket({ subject: `${RTL} ${EMOJI}`, description: TRICKY });
    expect(created.status).toBe(201);
    const read = await readTicket(created.body.data.id);
    expect(read.body.data.subject).toBe(`${RTL} ${EMOJI}`);
    expect(read.body.data.description).toBe(TRICKY);

    const message = await postMessage(TRICKY);
    expect(message.status).toBe(201);
    const list = await send<Page<MessageView>>({
      method: 'GET',
      url: `/api/tickets/${ticket.id}/messages?limit=200`,
      headers: operator.auth,
    });
    expect(list.body.data.map((m) => m.text)).toContain(TRICKY);
  });

  it('accepts a username in a right-to-left script', async () => {
    // Digits only after the Arabic letters: a name's letters are of one script (users/username.ts).
    const username = `مستخدم${ctx.unique('').replace(/[^0-9]/g, '')}`;
    const res = await send<Ok<UserView>>({
      method: 'POST',
      url: '/api/users',
      payload: { email: `${ctx.unique('rtl')}@example.com`, username, password: 'long-enough-password' },
    });
    expect(res.status).toBe(201);
    expect(res.body.data.username).toBe(username);
  });

  it.each([
    ['a lone high surrogate', 'a\ud800b'],
    ['a lone low surrogate', '\udc00'],
    ['reversed surrogates', '\udc00\ud800'],
  ])('stores %s as well-formed text or refuses it with a 422, never a 500', async (_label, broken) => {
    // JSON.stringify writes lone surrogates as \\uXXXX escapes, which JSON.parse turns back into them.
    const res = await createTicket({ subject: `S ${broken}`, description: broken });
    if (res.status === 422) {
      expectValidation(res, ['body', 'subject']);
      return;
    }
    expect(res.status).toBe(201);
    const { subject, description } = (await readTicket(res.body.data.id)).body.data;
    for (const text of [subject, description]) expect(text).not.toMatch(/[\ud800-\udfff]/u);
    expect(description.length).toBeGreaterThan(0);
  });

  it('refuses a lone surrogate in a username (letters and digits only)', async () => {
    const res = await send({
      method: 'POST',
      url: '/api/users',
      payload: { email: `${ctx.unique('sur')}@example.com`, username: 'abc\ud800', password: 'long-enough-password' },
    });
    expectValidation(res, ['body', 'username'], 'string_pattern_mismatch');
  });
});

/** Every text field of every body, with a NUL character in it (as a JSON \u0000 escape). */
const nulSweep: [route: string, method: 'POST' | 'PATCH', url: () => string, body: Record<string, string>][] = [
  ['POST /api/tickets', 'POST', () => '/api/tickets', { subject: 'S', description: 'D' }],
  ['POST /api/tickets/{id}/messages', 'POST', () => `/api/tickets/${ticket.id}/messages`, { text: 'T' }],
  ['PATCH /api/tickets/{id}', 'PATCH', () => `/api/tickets/${ticket.id}`, { status: 'open' }],
  ['POST /api/users', 'POST', () => '/api/users', { email: 'n@example.com', username: 'nul', password: 'password1' }],
  [
    'PATCH /api/users/{id}',
    'PATCH',
    () => `/api/users/${operator.user.id}`,
    { username: 'nul', password: 'long-password1', current_password: 'password1' },
  ],
  ['POST /api/auth/token', 'POST', () => '/api/auth/token', { username: 'nul', password: 'password1' }],
];

describe.each(nulSweep)('%s: NUL in a text field', (_route, method, url, body) => {
  it.each(Object.keys(body))('is a 422 at %s', async (field) => {
    for (const value of ['\u0000', `a\u0000`, `\u0000${(body[field] as string).padEnd(8, 'x')}`]) {
      const res = await send({ method, url: url(), headers: operator.auth, payload: { ...body, [field]: value } });
      expectValidation(res, ['body', field]);
    }
  });
});

describe('raw control bytes in the JSON text', () => {
  it.each([
    ['a raw NUL inside a string', '{"subject":"a\u0000b","description":"d"}'],
    ['a raw NUL outside a string', '{"subject":"a","description":"d"}\u0000'],
    ['a raw newline inside a string', '{"subject":"a\nb","description":"d"}'],
    ['invalid UTF-8 bytes', Buffer.from([0x7b, 0x22, 0x73, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d])],
  ])('answers %s with a 422, not a 500', async (_label, payload) => {
    const res = await send({
      method: 'POST',
      url: '/api/tickets',
      headers: { ...customer.auth, 'content-type': 'application/json' },
      payload,
    });
    expect(res.status).toBe(422);
    expect(Value.Check(ValidationErrorBody, res.body)).toBe(true);
  });
});

expectUnharmed(() => ctx, serverErrors);
