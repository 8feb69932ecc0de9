import type { Static } from 'typebox';
import type { Db } from '../db/client.js';
import { errors } from '../lib/errors.js';
import { burnPasswordCheck, verifyPassword } from '../lib/password.js';
import { userRepository as users } from '../users/user-repository.js';
import { normalizeUsername } from '../users/username.js';
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

  /**
   * Wrong password, unknown account and inactive account all answer the same 401, in the same time. The
   * limits count per account, whichever of its email and username was typed (an unknown login counts under
   * the string itself, exactly as an account would), and per account and client address.
   */
  async login(login: string, password: string, clientAddress: string): Promise<Static<typeof TokenResponse>> {
    // The repository normalises the string typed as an email and as a username (users/username.ts).
    const user = await users.findByLogin(this.db, login);
    const account = user ? `user:${user.id}` : `login:${normalizeUsername(login.trim())}`;
    await this.throttle.attempt(account, clientAddress);
    const valid = user?.passwordHash ? await verifyPassword(user.passwordHash, password) : false;
    if (!user?.passwordHash) await burnPasswordCheck(password);
    if (!user || !valid || !user.isActive) throw errors.badCredentials();
    await this.throttle.succeeded(account, clientAddress);
    return {
      access_token: this.sign({ sub: String(user.id), ver: user.tokenVersion }),
      token_type: 'bearer',
      expires_in: this.tokenTtlSeconds,
    };
  }
}
