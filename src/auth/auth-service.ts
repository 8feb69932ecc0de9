import type { Static } from 'typebox';
import type { Db } from '../db/client.js';
import { errors } from '../lib/errors.js';
import { burnPasswordCheck, verifyPassword } from '../lib/password.js';
import { userRepository as users } from '../users/user-repository.js';
import type { TokenResponse } from './auth-schemas.js';
import type { LoginThrottle } from './login-throttle.js';

/** What a token says: the user (`sub`, as JWT wants a string) and the user's token version. */
export interface TokenClaims {
  sub: string;
  ver: number;
}

export class AuthService {
  constructor(
    private readonly db: Db,
    private readonly sign: (claims: TokenClaims) => string,
    private readonly tokenTtlSeconds: number,
    private readonly throttle: LoginThrottle,
  ) {}

  /** Wrong password, unknown account and inactive account all answer the same 401, in the same time. */
  async login(login: string, password: string): Promise<Static<typeof TokenResponse>> {
    const account = login.trim().toLowerCase();
    this.throttle.check(account);
    // The repository normalises the string typed as an email and as a username (users/username.ts).
    const user = await users.findByLogin(this.db, login);
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
}
