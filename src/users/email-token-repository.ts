import { and, count, eq, gt, isNull, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { type EmailTokenPurpose, type EmailTokenRow, emailTokens } from '../db/schema.js';

export type NewEmailToken = Pick<EmailTokenRow, 'userId' | 'purpose' | 'email' | 'tokenHash' | 'expiresAt'>;

export const emailTokenRepository = {
  async insert(db: Db, token: NewEmailToken): Promise<void> {
    await db.insert(emailTokens).values(token);
  },

  /** A token of this purpose that is neither used nor expired. */
  async findUsable(db: Db, tokenHash: string, purpose: EmailTokenPurpose): Promise<EmailTokenRow | undefined> {
    const [row] = await db
      .select()
      .from(emailTokens)
      .where(
        and(
          eq(emailTokens.tokenHash, tokenHash),
          eq(emailTokens.purpose, purpose),
          isNull(emailTokens.usedAt),
          gt(emailTokens.expiresAt, sql`now()`),
        ),
      );
    return row;
  },

  /** Uses up every open token of this purpose for the account (the one just used, and older ones). */
  async useAll(db: Db, userId: number, purpose: EmailTokenPurpose): Promise<void> {
    await db
      .update(emailTokens)
      .set({ usedAt: sql`now()` })
      .where(and(eq(emailTokens.userId, userId), eq(emailTokens.purpose, purpose), isNull(emailTokens.usedAt)));
  },

  /** Tokens of this purpose sent to `email` within the last `windowMs`: a cap on mail a stranger can trigger. */
  async countSince(db: Db, email: string, purpose: EmailTokenPurpose, windowMs: number): Promise<number> {
    const [row] = await db
      .select({ n: count() })
      .from(emailTokens)
      .where(
        and(
          eq(emailTokens.email, email),
          eq(emailTokens.purpose, purpose),
          gt(emailTokens.createdAt, sql`now() - ${`${windowMs} milliseconds`}::interval`),
        ),
      );
    return row?.n ?? 0;
  },
};
