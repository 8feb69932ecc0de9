import { and, eq, lt, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { type IdempotencyKeyRow, idempotencyKeys } from '../db/schema.js';

/** Whose keys: a user's (`client` ''), or an anonymous caller's at one client address (`userId` 0). */
export interface KeyScope {
  userId: number;
  client: string;
}

export const idempotencyRepository = {
  async find(db: Db, scope: KeyScope, key: string): Promise<IdempotencyKeyRow | undefined> {
    const [row] = await db
      .select()
      .from(idempotencyKeys)
      .where(
        and(
          eq(idempotencyKeys.userId, scope.userId),
          eq(idempotencyKeys.client, scope.client),
          eq(idempotencyKeys.key, key),
        ),
      );
    return row;
  },

  /** Claims the key for a first request; undefined when another request holds it already. */
  async claim(db: Db, scope: KeyScope, key: string, requestHash: string): Promise<number | undefined> {
    const [row] = await db
      .insert(idempotencyKeys)
      .values({ userId: scope.userId, client: scope.client, key, requestHash })
      .onConflictDoNothing()
      .returning({ id: idempotencyKeys.id });
    return row?.id;
  },

  async complete(db: Db, id: number, status: number, body: string | null): Promise<void> {
    await db.update(idempotencyKeys).set({ status, body }).where(eq(idempotencyKeys.id, id));
  },

  async remove(db: Db, id: number): Promise<void> {
    await db.delete(idempotencyKeys).where(eq(idempotencyKeys.id, id));
  },

  async removeOlderThan(db: Db, ageMs: number): Promise<void> {
    await db
      .delete(idempotencyKeys)
      .where(lt(idempotencyKeys.createdAt, sql`now() - ${`${ageMs} milliseconds`}::interval`));
  },
};
