import { asc, eq, isNull, or, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { type SlaPolicyRow, slaPolicies, type TicketPriority, tickets } from '../db/schema.js';

export type NewSlaPolicy = Omit<typeof slaPolicies.$inferInsert, 'id' | 'createdAt' | 'updatedAt'>;

export const SLA_PRIORITY_KEY = 'sla_policies_priority_key';

export const slaPolicyRepository = {
  async list(db: Db): Promise<SlaPolicyRow[]> {
    // Priorities in their order (low … urgent), the any-priority one last.
    return db.select().from(slaPolicies).orderBy(sql`${slaPolicies.priority} asc nulls last`, asc(slaPolicies.id));
  },

  async findById(db: Db, id: number): Promise<SlaPolicyRow | undefined> {
    const [row] = await db.select().from(slaPolicies).where(eq(slaPolicies.id, id));
    return row;
  },

  /** The policy a ticket of `priority` runs under: its priority's, else the any-priority one. */
  async forPriority(db: Db, priority: TicketPriority): Promise<SlaPolicyRow | undefined> {
    const [row] = await db
      .select()
      .from(slaPolicies)
      .where(or(eq(slaPolicies.priority, priority), isNull(slaPolicies.priority)))
      .orderBy(sql`${slaPolicies.priority} asc nulls last`)
      .limit(1);
    return row;
  },

  async insert(db: Db, values: NewSlaPolicy): Promise<SlaPolicyRow> {
    const [row] = await db.insert(slaPolicies).values(values).returning();
    return row as SlaPolicyRow;
  },

  async update(db: Db, id: number, changes: Partial<NewSlaPolicy>): Promise<SlaPolicyRow | undefined> {
    const [row] = await db
      .update(slaPolicies)
      .set({ ...changes, updatedAt: sql`now()` })
      .where(eq(slaPolicies.id, id))
      .returning();
    return row;
  },

  /** Deletes the policy; its tickets lose their SLA (due times and breaches) in the same statement's transaction. */
  async delete(db: Db, id: number): Promise<boolean> {
    await db
      .update(tickets)
      .set({
        slaPolicyId: null,
        slaFirstResponseDueAt: null,
        slaResolutionDueAt: null,
        slaFirstResponseBreachedAt: null,
        slaResolutionBreachedAt: null,
      })
      .where(eq(tickets.slaPolicyId, id));
    const rows = await db.delete(slaPolicies).where(eq(slaPolicies.id, id)).returning({ id: slaPolicies.id });
    return rows.length > 0;
  },
};
