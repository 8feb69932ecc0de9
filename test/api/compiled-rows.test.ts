import { eq, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withCompiledRows } from '../../src/db/compiled-rows.js';
import { groups, tickets, users } from '../../src/db/schema.js';
import { TestContext } from '../helpers/context.js';

/**
 * The compiled row mapper against Drizzle's own, on the same prepared select over real rows: nested objects
 * in the same key order, decoded values (dates, enums, arrays), a left join that found nothing as null, an
 * inner join's object kept, SQL expressions decoded.
 */
let ctx: TestContext;

beforeAll(async () => {
  ctx = await TestContext.create();
  const customer = await ctx.newUser();
  const operator = await ctx.newUser('operator');
  const [group] = await ctx.db.insert(groups).values({ name: 'Printers' }).returning();
  const plain = await ctx.newTicket(customer, { subject: 'Nobody on it' });
  const handled = await ctx.newTicket(customer, { subject: 'Handled' });
  await ctx.db
    .update(tickets)
    .set({ operatorId: operator.user.id, groupId: group?.id, tags: ['paper', 'jam'], priority: 'urgent' })
    .where(eq(tickets.id, handled.id));
  expect(plain.id).toBeLessThan(handled.id);
});

afterAll(async () => ctx.close());

function statement(name: string) {
  const creator = alias(users, 'creator');
  const operator = alias(users, 'operator');
  return ctx.db
    .select({
      ticket: {
        id: tickets.id,
        subject: tickets.subject,
        status: tickets.status,
        priority: tickets.priority,
        tags: tickets.tags,
        createdAt: tickets.createdAt,
        words: sql<number>`length(${tickets.subject})`.mapWith(Number),
      },
      creator: { id: creator.id, email: creator.email, verified: creator.emailVerifiedAt },
      operator: { id: operator.id, email: operator.email, createdAt: operator.createdAt },
      group: { id: groups.id, name: groups.name },
      listedAt: sql<Date>`now()`.mapWith(tickets.createdAt),
    })
    .from(tickets)
    .innerJoin(creator, eq(creator.id, tickets.creatorId))
    .leftJoin(operator, eq(operator.id, tickets.operatorId))
    .leftJoin(groups, eq(groups.id, tickets.groupId))
    .orderBy(tickets.id)
    .prepare(name);
}

describe('compiled row mapping', () => {
  it('gives exactly what Drizzle gives', async () => {
    const drizzles = await statement('compiled_rows_plain').execute();
    const ours = await withCompiledRows(statement('compiled_rows_compiled')).execute();
    expect(drizzles).toHaveLength(2);
    // Same values, same key order (what the JSON shows), same types.
    expect(JSON.stringify(ours.map(({ listedAt: _, ...row }) => row))).toBe(
      JSON.stringify(drizzles.map(({ listedAt: _, ...row }) => row)),
    );
    const [plain, handled] = ours;
    expect(plain?.operator).toBeNull();
    expect(plain?.group).toBeNull();
    expect(handled?.operator?.createdAt).toBeInstanceOf(Date);
    expect(handled?.ticket).toMatchObject({ priority: 'urgent', tags: ['paper', 'jam'], words: 'Handled'.length });
    expect(handled?.ticket.createdAt).toBeInstanceOf(Date);
    expect(handled?.listedAt).toBeInstanceOf(Date);
    expect(handled?.group?.name).toBe('Printers');
  });
});
