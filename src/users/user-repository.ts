import { and, asc, eq, or, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { pastCursor } from '../db/keyset.js';
import { type UserRole, type UserRow, users } from '../db/schema.js';
import type { Cursor } from '../lib/cursor.js';
import { normalizeUsername } from './username.js';

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

/** The normalised username goes with every username written: set here, never by callers. */
const withNormalizedName = (user: NewUser) => ({ ...user, usernameNormalized: normalizeUsername(user.username) });

export const userRepository = {
  async findById(db: Db, id: number): Promise<UserRow | undefined> {
    const [row] = await db.select().from(users).where(eq(users.id, id));
    return row;
  },

  /**
   * Login accepts an email (stored lower-cased) or a username (compared in its normalised form, see
   * username.ts); both are unique, and no username contains "@", so at most one account matches.
   */
  async findByLogin(db: Db, login: string): Promise<UserRow | undefined> {
    const value = login.trim();
    const [row] = await db
      .select()
      .from(users)
      .where(or(eq(users.email, value.toLowerCase()), eq(users.usernameNormalized, normalizeUsername(value))))
      .limit(1);
    return row;
  },

  async findByEmail(db: Db, email: string): Promise<UserRow | undefined> {
    const [row] = await db.select().from(users).where(eq(users.email, email.toLowerCase()));
    return row;
  },

  /** Whether an account has a username equal to `username` once both are normalised ("taken"). */
  async usernameExists(db: Db, username: string): Promise<boolean> {
    const [row] = await db
      .select({ id: users.id })
      .from(users)
      .where(eq(users.usernameNormalized, normalizeUsername(username)))
      .limit(1);
    return row !== undefined;
  },

  async insert(db: Db, user: NewUser): Promise<UserRow> {
    const [row] = await db.insert(users).values(withNormalizedName(user)).returning();
    return row as UserRow;
  },

  /** `undefined` when the email or the username is taken (another mail from the same new sender, committed first). */
  async insertIfNew(db: Db, user: NewUser): Promise<UserRow | undefined> {
    const [row] = await db.insert(users).values(withNormalizedName(user)).onConflictDoNothing().returning();
    return row;
  },

  /** A customer for `email` whose username is derived from the address: the last resort when names clash. */
  async insertWithDerivedName(db: Db, email: string): Promise<UserRow> {
    const [row] = await db
      .insert(users)
      .values({
        email,
        // ASCII lower case: its own normalised form.
        username: sql`'customer_' || substr(md5(${email}), 1, 12)`,
        usernameNormalized: sql`'customer_' || substr(md5(${email}), 1, 12)`,
        passwordHash: null,
        role: 'customer',
      })
      .returning();
    return row as UserRow;
  },

  /** Accounts whose username has a character outside ASCII: the ones SQL may have normalised differently. */
  async listNonAsciiNames(db: Db): Promise<Pick<UserRow, 'id' | 'username' | 'usernameNormalized'>[]> {
    return db
      .select({ id: users.id, username: users.username, usernameNormalized: users.usernameNormalized })
      .from(users)
      .where(sql`${users.username} ~ '[^\x01-\x7f]'`);
  },

  async setNormalizedName(db: Db, id: number, usernameNormalized: string): Promise<void> {
    await db.update(users).set({ usernameNormalized }).where(eq(users.id, id));
  },

  async update(db: Db, id: number, changes: UserChanges): Promise<UserRow | undefined> {
    const normalized =
      changes.username === undefined ? {} : { usernameNormalized: normalizeUsername(changes.username) };
    const [row] = await db
      .update(users)
      .set({ ...changes, ...normalized, updatedAt: sql`now()` })
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
