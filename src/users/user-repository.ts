import { and, asc, eq, or, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { pastCursor } from '../db/keyset.js';
import { type UserRole, type UserRow, users } from '../db/schema.js';
import type { Cursor } from '../lib/cursor.js';

/** The user columns a response shows (never the password hash or token version). */
export const publicUserColumns = (table: typeof users) => ({
  id: table.id,
  email: table.email,
  username: table.username,
  role: table.role,
  isActive: table.isActive,
  emailVerifiedAt: table.emailVerifiedAt,
  createdAt: table.createdAt,
  updatedAt: table.updatedAt,
});
export type PublicUserRow = Pick<
  UserRow,
  'id' | 'email' | 'username' | 'role' | 'isActive' | 'emailVerifiedAt' | 'createdAt' | 'updatedAt'
>;

export type NewUser = Pick<UserRow, 'email' | 'username' | 'passwordHash' | 'role'> &
  Partial<Pick<UserRow, 'emailVerifiedAt'>>;
export type UserChanges = Partial<
  Pick<UserRow, 'username' | 'passwordHash' | 'role' | 'isActive' | 'tokenVersion' | 'emailVerifiedAt'>
>;

export const userRepository = {
  async findById(db: Db, id: number): Promise<UserRow | undefined> {
    const [row] = await db.select().from(users).where(eq(users.id, id));
    return row;
  },

  /** Login accepts an email or a username; both are unique case-insensitively. */
  async findByLogin(db: Db, login: string): Promise<UserRow | undefined> {
    const value = login.trim().toLowerCase();
    const [row] = await db
      .select()
      .from(users)
      .where(or(eq(users.email, value), eq(sql`lower(${users.username})`, value)))
      .limit(1);
    return row;
  },

  async findByEmail(db: Db, email: string): Promise<UserRow | undefined> {
    const [row] = await db.select().from(users).where(eq(users.email, email.toLowerCase()));
    return row;
  },

  async usernameExists(db: Db, username: string): Promise<boolean> {
    const [row] = await db
      .select({ id: users.id })
      .from(users)
      .where(eq(sql`lower(${users.username})`, username.toLowerCase()))
      .limit(1);
    return row !== undefined;
  },

  async insert(db: Db, user: NewUser): Promise<UserRow> {
    const [row] = await db.insert(users).values(user).returning();
    return row as UserRow;
  },

  /** `undefined` when the email is taken (another mail from the same new sender, committed first). */
  async insertIfNew(db: Db, user: NewUser): Promise<UserRow | undefined> {
    const [row] = await db.insert(users).values(user).onConflictDoNothing().returning();
    return row;
  },

  /** A customer for `email` whose username is derived from the address: the last resort when names clash. */
  async insertWithDerivedName(db: Db, email: string): Promise<UserRow> {
    const [row] = await db
      .insert(users)
      .values({
        email,
        username: sql`'customer_' || substr(md5(${email}), 1, 12)`,
        passwordHash: null,
        role: 'customer',
      })
      .returning();
    return row as UserRow;
  },

  async update(db: Db, id: number, changes: UserChanges): Promise<UserRow | undefined> {
    const [row] = await db
      .update(users)
      .set({ ...changes, updatedAt: sql`now()` })
      .where(eq(users.id, id))
      .returning();
    return row;
  },

  /**
   * Counts active admins and locks their rows until the transaction ends, so two admins demoting each
   * other at the same moment cannot leave the system with none.
   */
  async lockActiveAdmins(db: Db): Promise<number> {
    const rows = await db
      .select({ id: users.id })
      .from(users)
      .where(and(eq(users.role, 'admin'), eq(users.isActive, true)))
      .for('update');
    return rows.length;
  },

  /** Oldest first, keyset-paginated on (created_at, id), backed by the matching index. */
  async list(db: Db, options: { role?: UserRole; after?: Cursor; limit: number }): Promise<UserRow[]> {
    const { role, after, limit } = options;
    return db
      .select()
      .from(users)
      .where(and(role ? eq(users.role, role) : undefined, pastCursor(users, after, 'asc')))
      .orderBy(asc(users.createdAt), asc(users.id))
      .limit(limit);
  },
};
