import { type Actor, isStaff } from '../auth/actor.js';
import type { Db } from '../db/client.js';
import { isUniqueViolation } from '../db/errors.js';
import type { UserRole } from '../db/schema.js';
import { decodeCursor, paginate } from '../lib/cursor.js';
import { errors } from '../lib/errors.js';
import { hashPassword, verifyPassword } from '../lib/password.js';
import { type UserChanges, userRepository as users } from './user-repository.js';
import { toUserView, type UserView } from './user-view.js';
import { usernameFromEmail } from './username.js';

export interface SignUp {
  email: string;
  username: string;
  password: string;
  role?: UserRole;
}

export interface UserUpdate {
  username?: string;
  password?: string;
  current_password?: string;
  role?: UserRole;
  is_active?: boolean;
}

export class UserService {
  constructor(private readonly db: Db) {}

  /** Public sign-up makes customers; only an admin may create operators and admins. */
  async signUp(actor: Actor | undefined, input: SignUp): Promise<UserView> {
    const role = input.role ?? 'customer';
    if (role !== 'customer' && actor?.role !== 'admin') throw errors.forbidden('Only admins can set a role');
    const email = input.email.trim().toLowerCase();
    if (await users.findByEmail(this.db, email)) throw errors.emailTaken();
    if (await users.usernameExists(this.db, input.username)) throw errors.usernameTaken();
    const passwordHash = await hashPassword(input.password);
    try {
      return toUserView(await users.insert(this.db, { email, username: input.username, passwordHash, role }));
    } catch (error) {
      // Two sign-ups racing past the checks above: the unique index decides.
      if (isUniqueViolation(error, 'users_email_key')) throw errors.emailTaken();
      if (isUniqueViolation(error, 'users_username_lower_key')) throw errors.usernameTaken();
      throw error;
    }
  }

  /** Customers see only themselves; anyone else's id is "not found", so ids reveal nothing. */
  async get(actor: Actor, id: number): Promise<UserView> {
    if (!isStaff(actor) && actor.id !== id) throw errors.userNotFound();
    const user = await users.findById(this.db, id);
    if (!user) throw errors.userNotFound();
    return toUserView(user);
  }

  async list(
    actor: Actor,
    query: { role?: UserRole; limit: number; cursor?: string },
  ): Promise<{ items: UserView[]; nextCursor: string | null }> {
    if (!isStaff(actor)) throw errors.forbidden();
    const after = query.cursor ? decodeCursor(query.cursor) : undefined;
    const rows = await users.list(this.db, { role: query.role, after, limit: query.limit + 1 });
    const page = paginate(rows, query.limit, (row) => ({ createdAt: row.createdAt, id: row.id }));
    return { items: page.items.map(toUserView), nextCursor: page.nextCursor };
  }

  /** Admins change anything; others change their own username and password (proving the current one). */
  async update(actor: Actor, id: number, input: UserUpdate): Promise<UserView> {
    const isAdmin = actor.role === 'admin';
    if (!isAdmin && actor.id !== id) {
      if (!isStaff(actor)) throw errors.userNotFound();
      throw errors.forbidden();
    }
    if (!isAdmin && (input.role !== undefined || input.is_active !== undefined)) {
      throw errors.forbidden('Only admins can change roles or deactivate users');
    }
    return this.db.transaction(async (tx) => {
      const target = await users.findById(tx, id);
      if (!target) throw errors.userNotFound();
      const changes: UserChanges = {};
      if (input.username !== undefined && input.username !== target.username) {
        if (
          input.username.toLowerCase() !== target.username.toLowerCase() &&
          (await users.usernameExists(tx, input.username))
        ) {
          throw errors.usernameTaken();
        }
        changes.username = input.username;
      }
      if (input.password !== undefined) {
        const changingOwn = actor.id === id;
        if (changingOwn && target.passwordHash) {
          const proven =
            input.current_password !== undefined && (await verifyPassword(target.passwordHash, input.current_password));
          if (!proven) throw errors.wrongCurrentPassword();
        }
        changes.passwordHash = await hashPassword(input.password);
      }
      if (input.role !== undefined) changes.role = input.role;
      if (input.is_active !== undefined) changes.isActive = input.is_active;
      const losesAdmin =
        target.role === 'admin' &&
        target.isActive &&
        ((changes.role !== undefined && changes.role !== 'admin') || changes.isActive === false);
      if (losesAdmin && (await users.lockActiveAdmins(tx)) <= 1) throw errors.lastAdmin();
      // Old tokens must stop working once the password changes or the account is switched off.
      if (changes.passwordHash !== undefined || changes.isActive === false) {
        changes.tokenVersion = target.tokenVersion + 1;
      }
      if (Object.keys(changes).length === 0) return toUserView(target);
      try {
        const updated = await users.update(tx, id, changes);
        if (!updated) throw errors.userNotFound();
        return toUserView(updated);
      } catch (error) {
        if (isUniqueViolation(error, 'users_username_lower_key')) throw errors.usernameTaken();
        throw error;
      }
    });
  }

  /** Start-up: makes sure the configured admin exists. An existing account is left as it is. */
  async ensureAdmin(email: string, password: string): Promise<'created' | 'exists'> {
    const normalised = email.toLowerCase();
    if (await users.findByEmail(this.db, normalised)) return 'exists';
    let username = usernameFromEmail(normalised);
    for (let n = 2; await users.usernameExists(this.db, username); n++) {
      username = `${usernameFromEmail(normalised).slice(0, 40)}${n}`;
    }
    const passwordHash = await hashPassword(password);
    try {
      await users.insert(this.db, { email: normalised, username, passwordHash, role: 'admin' });
      return 'created';
    } catch (error) {
      // Another API process created it at the same moment.
      if (isUniqueViolation(error)) return 'exists';
      throw error;
    }
  }
}
