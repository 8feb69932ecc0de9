import type { Static } from 'typebox';
import { type Caller, isStaff } from '../access/caller.js';
import type { Db } from '../db/client.js';
import { isUniqueViolation } from '../db/errors.js';
import type { UserRow } from '../db/schema.js';
import { decodeCursor, paginate } from '../lib/cursor.js';
import { errors } from '../lib/errors.js';
import { hashPassword, verifyPassword } from '../lib/password.js';
import { isCommonPassword } from '../lib/password-policy.js';
import type { Page } from '../lib/schemas.js';
import type { AccountService } from './account-service.js';
import { type UserChanges, userRepository as users } from './user-repository.js';
import { type ListUsersQuery, type SignUp, toUserView, type UserUpdate, type UserView } from './user-schemas.js';
import { isSingleScript, normalizeUsername, usernameFromEmail, usernameWithSuffix } from './username.js';

type Update = Static<typeof UserUpdate>;

export class UserService {
  constructor(
    private readonly db: Db,
    private readonly accounts: AccountService,
  ) {}

  /**
   * Public sign-up makes customers, whose address is unverified until they follow the link mailed to it;
   * only an admin may create operators and admins, and an account an admin creates counts as verified.
   */
  async signUp(caller: Caller | undefined, input: Static<typeof SignUp>): Promise<UserView> {
    checkNewPassword(input.password);
    checkNewUsername(input.username);
    const role = input.role ?? 'customer';
    const byAdmin = (caller ? await caller.user() : undefined)?.role === 'admin';
    if (role !== 'customer' && !byAdmin) throw errors.forbidden('Only admins can set a role');
    const email = input.email.trim().toLowerCase();
    if (await users.findByEmail(this.db, email)) throw errors.emailTaken();
    if (await users.usernameExists(this.db, input.username)) throw errors.usernameTaken();
    const passwordHash = await hashPassword(input.password);
    const account = {
      email,
      username: input.username,
      passwordHash,
      role,
      emailVerifiedAt: byAdmin ? new Date() : null,
    };
    try {
      const { created, outboxId } = await this.db.transaction(async (tx) => {
        const created = await users.insert(tx, account);
        return { created, outboxId: await this.accounts.sendVerification(tx, created) };
      });
      await this.accounts.dispatch([outboxId]);
      return toUserView(created);
    } catch (error) {
      // Two sign-ups racing past the checks above: the unique index decides.
      if (isUniqueViolation(error, 'users_email_key')) throw errors.emailTaken();
      if (isUniqueViolation(error, 'users_username_normalized_key')) throw errors.usernameTaken();
      throw error;
    }
  }

  /** Customers see only themselves; anyone else's id is "not found", so ids reveal nothing. */
  async get(caller: Caller, id: number): Promise<UserView> {
    if (!isStaff(await caller.user()) && caller.id !== id) throw errors.userNotFound();
    const user = await users.findById(this.db, id);
    if (!user) throw errors.userNotFound();
    return toUserView(user);
  }

  async list(caller: Caller, query: Static<typeof ListUsersQuery>): Promise<Page<UserView>> {
    if (!isStaff(await caller.user())) throw errors.forbidden();
    const after = query.cursor ? decodeCursor(query.cursor) : undefined;
    const rows = await users.list(this.db, { role: query.role, after, limit: query.limit + 1 });
    const page = paginate(rows, query.limit, (row) => ({ createdAt: row.createdAt, id: row.id }));
    return { items: page.items.map((row) => toUserView(row)), nextCursor: page.nextCursor };
  }

  /** Admins change anything; others change their own username and password (proving the current one). */
  async update(caller: Caller, id: number, input: Update): Promise<UserView> {
    if (input.password !== undefined) checkNewPassword(input.password);
    if (input.username !== undefined) checkNewUsername(input.username);
    const user = await caller.user();
    checkMayUpdate(user, id, input);
    return this.db.transaction(async (tx) => {
      const target = await users.findById(tx, id);
      if (!target) throw errors.userNotFound();
      const changes = await this.changesFor(tx, target, input, user.id === id);
      if (Object.keys(changes).length === 0) return toUserView(target);
      try {
        const updated = await users.update(tx, id, changes);
        if (!updated) throw errors.userNotFound();
        return toUserView(updated);
      } catch (error) {
        if (isUniqueViolation(error, 'users_username_normalized_key')) throw errors.usernameTaken();
        throw error;
      }
    });
  }

  /** What `input` changes on `target`, checked: a free username, the current password, a remaining admin. */
  private async changesFor(tx: Db, target: UserRow, input: Update, own: boolean): Promise<UserChanges> {
    const changes: UserChanges = {};
    if (input.username !== undefined && input.username !== target.username) {
      // A new spelling of one's own name (case, width) is not "taken" by oneself.
      const sameName = normalizeUsername(input.username) === target.usernameNormalized;
      if (!sameName && (await users.usernameExists(tx, input.username))) throw errors.usernameTaken();
      changes.username = input.username;
    }
    if (input.password !== undefined) {
      if (own && target.passwordHash) {
        const current = input.current_password;
        if (current === undefined || !(await verifyPassword(target.passwordHash, current))) {
          throw errors.wrongCurrentPassword();
        }
      }
      changes.passwordHash = await hashPassword(input.password);
    }
    if (input.role !== undefined) changes.role = input.role;
    if (input.is_active !== undefined) changes.isActive = input.is_active;
    if (input.email_verified !== undefined) {
      changes.emailVerifiedAt = input.email_verified ? (target.emailVerifiedAt ?? new Date()) : null;
    }
    const losesAdmin =
      target.role === 'admin' &&
      target.isActive &&
      ((changes.role !== undefined && changes.role !== 'admin') || changes.isActive === false);
    if (losesAdmin && (await users.lockActiveAdmins(tx)) <= 1) throw errors.lastAdmin();
    // Old tokens must stop working once the password changes or the account is switched off.
    if (changes.passwordHash !== undefined || changes.isActive === false)
      changes.tokenVersion = target.tokenVersion + 1;
    return changes;
  }

  /**
   * The account of whoever writes from `address` (the email channel); an unknown sender becomes a customer
   * without a password. Safe against two mails from the same new sender arriving together.
   */
  async accountForAddress(db: Db, address: string): Promise<UserRow> {
    const email = address.toLowerCase();
    const existing = await users.findByEmail(db, email);
    if (existing) return existing;
    const base = usernameFromEmail(email);
    for (let attempt = 0; attempt < 20; attempt++) {
      const username = attempt === 0 ? base : usernameWithSuffix(base, attempt + 1);
      if (await users.usernameExists(db, username)) continue;
      const created = await users.insertIfNew(db, { email, username, passwordHash: null, role: 'customer' });
      if (created) return created;
      const raced = await users.findByEmail(db, email);
      if (raced) return raced;
    }
    // Twenty taken names in a row: fall back to a name nobody picks by hand.
    return users.insertWithDerivedName(db, email);
  }

  /**
   * Start-up: the normalised form of names outside ASCII computed again, in JavaScript. The migration that
   * added the column could only approximate it in SQL (drizzle/0004_username_profile.sql); this is a no-op
   * once every row agrees. A name whose proper form another account holds already keeps its key (that
   * account came first); its owner still logs in by email.
   */
  async renormalizeUsernames(): Promise<number> {
    let changed = 0;
    for (const row of await users.listNonAsciiNames(this.db)) {
      const key = normalizeUsername(row.username);
      if (key === row.usernameNormalized) continue;
      try {
        await users.setNormalizedName(this.db, row.id, key);
        changed += 1;
      } catch (error) {
        if (!isUniqueViolation(error, 'users_username_normalized_key')) throw error;
      }
    }
    return changed;
  }

  /** Start-up: makes sure the configured admin exists. An existing account is left as it is. */
  async ensureAdmin(email: string, password: string): Promise<'created' | 'exists'> {
    const normalised = email.toLowerCase();
    if (await users.findByEmail(this.db, normalised)) return 'exists';
    const base = usernameFromEmail(normalised);
    let username = base;
    for (let n = 2; await users.usernameExists(this.db, username); n++) username = usernameWithSuffix(base, n);
    const passwordHash = await hashPassword(password);
    try {
      await users.insert(this.db, {
        email: normalised,
        username,
        passwordHash,
        role: 'admin',
        emailVerifiedAt: new Date(),
      });
      return 'created';
    } catch (error) {
      // Another API process created it at the same moment.
      if (isUniqueViolation(error)) return 'exists';
      throw error;
    }
  }
}

/**
 * The part of the password rule a schema cannot say (the list of common passwords), checked first, as input
 * validation is: its answer is the same 422 a schema's would be.
 */
function checkNewPassword(password: string): void {
  if (isCommonPassword(password)) throw errors.commonPassword();
}

/**
 * The part of the username rule a pattern cannot say: one script per name unless it is ASCII (judged on the
 * normalised form, so fullwidth Latin is Latin). Checked first, like the schema's rules, with the same 422.
 */
function checkNewUsername(username: string): void {
  if (!isSingleScript(normalizeUsername(username))) throw errors.usernameMixedScripts();
}

/** Who may change whom, before anything is read: admins anyone; others only themselves, never role or activity. */
function checkMayUpdate(user: UserRow, id: number, input: Update): void {
  const isAdmin = user.role === 'admin';
  if (!isAdmin && user.id !== id) {
    if (!isStaff(user)) throw errors.userNotFound();
    throw errors.forbidden();
  }
  if (!isAdmin && (input.role !== undefined || input.is_active !== undefined)) {
    throw errors.forbidden('Only admins can change roles or deactivate users');
  }
  if (!isAdmin && input.email_verified !== undefined) throw errors.forbidden('Only admins can vouch for an address');
}
