import { and, eq, gt, lt, ne, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { type ApiInstanceRow, apiInstances } from '../db/schema.js';

/** The API processes of this database and their heartbeats (see api-instances.ts). */
export const apiInstanceRepository = {
  async insert(db: Db, row: Pick<ApiInstanceRow, 'id' | 'keyFingerprint' | 'host' | 'pid'>): Promise<void> {
    await db.insert(apiInstances).values(row);
  },

  async touch(db: Db, id: string): Promise<void> {
    await db.update(apiInstances).set({ lastSeenAt: sql`now()` }).where(eq(apiInstances.id, id));
  },

  /** Processes seen within `liveMs` that sign with another key than `fingerprint`. */
  async liveWithOtherKey(db: Db, fingerprint: string, liveMs: number): Promise<ApiInstanceRow[]> {
    return db
      .select()
      .from(apiInstances)
      .where(
        and(
          ne(apiInstances.keyFingerprint, fingerprint),
          gt(apiInstances.lastSeenAt, sql`now() - ${`${liveMs} milliseconds`}::interval`),
        ),
      );
  },

  async remove(db: Db, id: string): Promise<void> {
    await db.delete(apiInstances).where(eq(apiInstances.id, id));
  },

  /** Rows of processes gone without saying so (killed) for longer than `ageMs`. */
  async removeStale(db: Db, ageMs: number): Promise<void> {
    await db.delete(apiInstances).where(lt(apiInstances.lastSeenAt, sql`now() - ${`${ageMs} milliseconds`}::interval`));
  },
};
