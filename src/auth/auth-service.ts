import { eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { users as usersTable } from '../db/schema.js';
import { errors } from '../lib/errors.js';
import { burnPasswordCheck, verifyPassword } from '../lib/password.js';
import { userRepository as users } from '../users/user-repository.js';
import { type Actor, isStaff } from './actor.js';
import type { Caller } from './caller.js';
import type { LoginThrottle } from './login-throttle.js';

/** Users whose role is remembered as a guess; past this the guesses start over. */
const MAX_STAFF_HINTS = 100_000;

/** What a token says: the user (`sub`, as JWT wants a string) and the user's token version. */
export interface TokenClaims {
  sub: string;
  ver: number;
}

export interface TokenResponse {
  access_token: string;
  token_type: 'bearer';
  expires_in: number;
}

export class AuthService {
  /**
   * Every authenticated request runs this lookup, so it is built once and prepared: PostgreSQL parses it
   * once per connection instead of on every request, and no query builder runs per request.
   */
  private readonly userById;
  /** Who was staff when last loaded (see Caller.staffHint). */
  private readonly staffHints = new Map<number, boolean>();

  constructor(
    private readonly db: Db,
    private readonly sign: (claims: TokenClaims) => string,
    private readonly tokenTtlSeconds: number,
    private readonly throttle: LoginThrottle,
  ) {
    this.userById = db
      .select()
      .from(usersTable)
      .where(eq(usersTable.id, sql.placeholder('id')))
      .prepare('auth_user_by_id');
  }

  /** Wrong password, unknown account and inactive account all answer the same 401, in the same time. */
  async login(login: string, password: string): Promise<TokenResponse> {
    const account = login.trim().toLowerCase();
    this.throttle.check(account);
    const user = await users.findByLogin(this.db, account);
    const valid = user?.passwordHash ? await verifyPassword(user.passwordHash, password) : false;
    if (!user?.passwordHash) await burnPasswordCheck(password);
    if (!user || !valid || !user.isActive) {
      this.throttle.recordFailure(account);
      throw errors.badCredentials();
    }
    this.throttle.recordSuccess(account);
    return {
      access_token: this.sign({ sub: String(user.id), ver: user.tokenVersion }),
      token_type: 'bearer',
      expires_in: this.tokenTtlSeconds,
    };
  }

  /**
   * The user is read on every request (by `actor()`, or by the statement that does the work, see
   * caller.ts), so a deactivation, a role change or a password change (which bumps the token version)
   * takes effect at once rather than when the token expires.
   */
  callerFromClaims(claims: unknown): Caller {
    const { sub, ver } = (claims ?? {}) as Partial<Record<keyof TokenClaims, unknown>>;
    const id = typeof sub === 'string' && /^\d{1,10}$/.test(sub) ? Number(sub) : Number.NaN;
    if (!Number.isSafeInteger(id) || id > 2_147_483_647 || typeof ver !== 'number') throw errors.invalidToken();
    let actor: Promise<Actor> | undefined;
    const hints = this.staffHints;
    return {
      id,
      tokenVersion: ver,
      get staffHint() {
        return hints.get(id);
      },
      actor: () => {
        actor ??= this.loadActor(id, ver);
        return actor;
      },
    };
  }

  private async loadActor(id: number, tokenVersion: number): Promise<Actor> {
    const [user] = await this.userById.execute({ id });
    if (!user?.isActive || user.tokenVersion !== tokenVersion) throw errors.invalidToken();
    // A guess for this user's next requests, bounded: at worst a guess costs the slow way once.
    if (this.staffHints.size >= MAX_STAFF_HINTS) this.staffHints.clear();
    this.staffHints.set(id, isStaff(user));
    return user;
  }
}
