import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TicketRow } from '../../src/db/schema.js';
import { expectValidation } from '../helpers/answers.js';
import { TestContext, type TestUser } from '../helpers/context.js';

/**
 * Integers in paths and query strings are plain decimal digits. Ajv's coercion alone would read `1e3` as
 * 1000, `0x10` as 16 and ` 5` as 5, so one id could be spelled many ways.
 */

let ctx: TestContext;
let operator: TestUser;
let ticket: TicketRow;

beforeAll(async () => {
  ctx = await TestContext.create();
  operator = await ctx.newUser('operator');
  ticket = await ctx.newTicket(operator);
});
afterAll(async () => ctx.close());

const get = (url: string) => ctx.request({ method: 'GET', url, headers: operator.auth });

const notDecimal = ['1e3', '0x10', '0b1', '0o7', '1.0', '%205', '5%20', '+5', '1_000', '%EF%BC%95'];

describe('path ids', () => {
  it.each(notDecimal)('GET /api/tickets/%s is a 422 at ["path", "ticket_id"]', async (id) => {
    expectValidation(await get(`/api/tickets/${id}`), ['path', 'ticket_id']);
  });

  it("says why, in FastAPI's words, where coercion alone would have read a number", async () => {
    for (const id of ['1e3', '0x10', '%205', '1.0']) {
      const res = await get(`/api/tickets/${id}`);
      expect(res.body).toEqual({
        detail: [
          {
            loc: ['path', 'ticket_id'],
            msg: 'Input should be a valid integer, unable to parse string as an integer',
            type: 'int_parsing',
          },
        ],
      });
    }
  });

  it.each(notDecimal)('PATCH /api/users/%s is a 422 at ["path", "user_id"]', async (id) => {
    const res = await ctx.request({
      method: 'PATCH',
      url: `/api/users/${id}`,
      headers: operator.auth,
      payload: { username: 'someone' },
    });
    expectValidation(res, ['path', 'user_id']);
  });

  it('takes plain digits, leading zeros included (007 is 7, as FastAPI reads it)', async () => {
    expect((await get(`/api/tickets/${ticket.id}`)).status).toBe(200);
    const padded = await get(`/api/tickets/00${ticket.id}`);
    expect(padded.status).toBe(200);
    expect(padded.body).toMatchObject({ data: { id: ticket.id } });
  });
});

describe('integer query values', () => {
  it.each(notDecimal)('GET /api/tickets?limit=%s is a 422 at ["query", "limit"]', async (limit) => {
    expectValidation(await get(`/api/tickets?limit=${limit}`), ['query', 'limit']);
  });

  it('refuses a non-decimal ticket_id filter of the mail log', async () => {
    expectValidation(await get('/api/mail/log?ticket_id=0x10'), ['query', 'ticket_id'], 'int_parsing');
  });

  it('takes plain digits', async () => {
    expect((await get('/api/tickets?limit=10')).status).toBe(200);
    expect((await get('/api/tickets?limit=010')).status).toBe(200);
  });
});
