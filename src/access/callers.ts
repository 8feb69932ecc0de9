import { eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { type UserRow, users } from '../db/schema.js';
import { errors } from '../lib/errors.js';
import { type Caller, standingOf } from './caller.js';

/** Accounts whose role (and so standing) is remembered as a guess; past this the guesses start over. */
const MAX_GUESSES = 100_000;

/**
 * Makes `Caller`s: from a verified token's claims (API) or from an account already loaded (a mail's sender),
 * and remembers, per process, the standing each account had when last loaded (the guess behind `seenAs`).
 */
export class Callers {
  /** Built once and prepared: every authenticated request that is not checked by its own statement runs it. */
  private readonly userById;
  private readonly seen = new Map<number, UserRow['role']>();

  constructor(db: Db) {
    this.userById = db
      .select()
      .from(users)
      .where(eq(users.id, sql.placeholder('id')))
      .prepare('access_user_by_id');
  }

  /** `claims` as `@fastify/jwt` verified them (signature, algorithm, expiry); their shape is checked here. */
  fromClaims(claims: unknown): Caller {
    const { sub, ver } = (claims ?? {}) as { sub?: unknown; ver?: unknown };
    const id = typeof sub === 'string' && /^\d{1,10}$/.test(sub) ? Number(sub) : Number.NaN;
    if (!Number.isSafeInteger(id) || id > 2_147_483_647 || typeof ver !== 'number') throw errors.invalidToken();
    let loaded: Promise<UserRow> | undefined;
    const seen = this.seen;
    return {
      id,
      tokenVersion: ver,
      get seenAs() {
        const role = seen.get(id);
        return role ? standingOf({ role }) : undefined;
      },
      get seenRole() {
        return seen.get(id);
      },
      user: () => {
        loaded ??= this.load(id, ver);
        return loaded;
      },
    };
  }

  /** The account of a mail's sender, loaded by the mail channel in its transaction. */
  forAccount(account: UserRow): Caller {
    const user = Promise.resolve(account);
    return {
      id: account.id,
      tokenVersion: account.tokenVersion,
      seenAs: standingOf(account),
      seenRole: account.role,
      user: () => user,
    };
  }

  private async load(id: number, tokenVersion: number): Promise<UserRow> {
    const [user] = await this.userById.execute({ id });
    if (!user?.isActive || user.tokenVersion !== tokenVersion) throw errors.invalidToken();
    if (this.seen.size >= MAX_GUESSES) this.seen.clear();
    this.seen.set(id, user.role);
    return user;
  }
}
