import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tickets } from '../../src/db/schema.js';
import { userRepository } from '../../src/users/user-repository.js';
import { expectDetail } from '../helpers/answers.js';
import { TestContext, type TestUser } from '../helpers/context.js';

/** An operator opens a ticket for someone else: only for an account that may still act. */

let ctx: TestContext;
let operator: TestUser;

beforeAll(async () => {
  ctx = await TestContext.create();
  operator = await ctx.newUser('operator');
});
afterAll(async () => ctx.close());

const openFor = (creatorId: number) =>
  ctx.request({
    method: 'POST',
    url: '/api/tickets',
    headers: operator.auth,
    payload: { subject: 'On the phone', description: 'Called about the printer', creator_id: creatorId },
  });

const ticketsOf = async (creatorId: number) =>
  (await ctx.db.select({ id: tickets.id }).from(tickets).where(eq(tickets.creatorId, creatorId))).length;

describe('POST /api/tickets with creator_id', () => {
  it('opens the ticket for an active customer', async () => {
    const customer = await ctx.newUser('customer');
    const res = await openFor(customer.user.id);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ data: { creator: { id: customer.user.id } } });
  });

  it("answers a deactivated user like an unknown one (the seed's 400) and creates nothing", async () => {
    const gone = await ctx.newUser('customer');
    await userRepository.update(ctx.db, gone.user.id, { isActive: false });
    expectDetail(await openFor(gone.user.id), 400, `Пользователь c ID ${gone.user.id} не найден`);
    expect(await ticketsOf(gone.user.id)).toBe(0);
    expectDetail(await openFor(2_147_483_647), 400, 'Пользователь c ID 2147483647 не найден');
  });
});
