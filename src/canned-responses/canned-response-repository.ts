import { and, asc, eq, ilike, or, type SQL, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { type CannedResponseRow, cannedResponses, users } from '../db/schema.js';
import { publicUserColumns } from '../users/user-repository.js';
import type { CannedResponseWithAuthor } from './canned-response-schemas.js';
import type { TitleCursor } from './title-cursor.js';

export type CannedResponseChanges = Partial<Pick<CannedResponseRow, 'title' | 'text' | 'shared'>>;

/** `%`, `_` and the escape character itself match only themselves in a LIKE pattern. */
export function likeContaining(text: string): string {
  return `%${text.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
}

function selectWithAuthor(db: Db) {
  return db
    .select({ response: cannedResponses, author: publicUserColumns(users) })
    .from(cannedResponses)
    .innerJoin(users, eq(users.id, cannedResponses.authorId));
}

export const cannedResponseRepository = {
  async findWithAuthor(db: Db, id: number): Promise<CannedResponseWithAuthor | undefined> {
    const [row] = await selectWithAuthor(db).where(eq(cannedResponses.id, id));
    return row;
  },

  async insert(
    db: Db,
    values: Pick<CannedResponseRow, 'authorId' | 'title' | 'text' | 'shared'>,
  ): Promise<CannedResponseRow> {
    const [row] = await db.insert(cannedResponses).values(values).returning();
    return row as CannedResponseRow;
  },

  async update(db: Db, id: number, changes: CannedResponseChanges): Promise<boolean> {
    const rows = await db
      .update(cannedResponses)
      .set({ ...changes, updatedAt: sql`now()` })
      .where(eq(cannedResponses.id, id))
      .returning({ id: cannedResponses.id });
    return rows.length > 0;
  },

  async delete(db: Db, id: number): Promise<boolean> {
    const rows = await db
      .delete(cannedResponses)
      .where(eq(cannedResponses.id, id))
      .returning({ id: cannedResponses.id });
    return rows.length > 0;
  },

  /**
   * `readerId`'s own and the shared ones, by (title, id), keyset-paginated; backed by the two indexes on
   * (author_id, title, id) and (title, id) where shared. `q`: a substring of the title or the text, any case.
   */
  async listFor(
    db: Db,
    readerId: number,
    options: { q?: string; after?: TitleCursor; limit: number },
  ): Promise<CannedResponseWithAuthor[]> {
    const { q, after, limit } = options;
    const pattern = q === undefined ? undefined : likeContaining(q);
    const search: SQL | undefined = pattern
      ? or(ilike(cannedResponses.title, pattern), ilike(cannedResponses.text, pattern))
      : undefined;
    const past = after
      ? sql`(${cannedResponses.title}, ${cannedResponses.id}) > (${after.title}::text, ${after.id}::integer)`
      : undefined;
    return selectWithAuthor(db)
      .where(and(or(eq(cannedResponses.authorId, readerId), eq(cannedResponses.shared, true)), search, past))
      .orderBy(asc(cannedResponses.title), asc(cannedResponses.id))
      .limit(limit);
  },
};
