import { createHash, randomBytes } from 'node:crypto';
import type { Caller } from '../access/caller.js';
import type { Db } from '../db/client.js';
import type { EmailTokenPurpose, UserRow } from '../db/schema.js';
import { errors } from '../lib/errors.js';
import { hashPassword } from '../lib/password.js';
import { emailTokenRepository as tokens } from './email-token-repository.js';
import { userRepository as users } from './user-repository.js';
import { toUserView, type UserView } from './user-schemas.js';

const HOUR_MS = 3_600_000;
/** How long a link works: a day to verify an address, an hour to reset a password (OWASP). */
const LIFETIME_MS: Record<EmailTokenPurpose, number> = { verify_email: 24 * HOUR_MS, reset_password: HOUR_MS };
/** Mails of one kind a stranger can make us send to one address per hour. */
const PER_ADDRESS_PER_HOUR = 3;

/** Mail about an account. Implemented by the email channel (email/outbound/outbox.ts). */
export interface AccountMail {
  /** This deployment sends mail (some process can; the row waits in the outbox until one does). */
  sends(db?: Db): Promise<boolean>;
  queueAccountMail(
    tx: Db,
    mail: { purpose: EmailTokenPurpose; to: { address: string; name: string }; token: string; expiresInMs: number },
  ): Promise<number | undefined>;
  dispatch(outboxIds: (number | undefined)[]): Promise<void>;
}

const hashOf = (token: string) => createHash('sha256').update(token).digest('hex');

/**
 * Proving an address: a verification link after sign-up, and "forgot password", which also lets the owner
 * of an address claim the account its mail created. A token is random (256 bits), single-use, short-lived,
 * stored only as a hash, and good only for the address it was sent to.
 */
export class AccountService {
  constructor(
    private readonly db: Db,
    private readonly mail: AccountMail,
  ) {}

  /** After the transaction that queued account mail commits. */
  dispatch(outboxIds: (number | undefined)[]): Promise<void> {
    return this.mail.dispatch(outboxIds);
  }

  /** Sends a verification mail for `user`'s address, in `tx` (sign-up) or on its own. */
  async sendVerification(db: Db, user: UserRow): Promise<number | undefined> {
    if (user.emailVerifiedAt !== null || !(await this.mail.sends(db))) return undefined;
    return this.issue(db, user, 'verify_email');
  }

  /** POST /users/me/verification-email: another verification mail for the caller's address. */
  async requestVerification(caller: Caller): Promise<void> {
    const user = await caller.user();
    if (user.emailVerifiedAt !== null) throw errors.alreadyVerified();
    if (!(await this.mail.sends())) throw errors.mailNotConfigured();
    if ((await tokens.countSince(this.db, user.email, 'verify_email', HOUR_MS)) >= PER_ADDRESS_PER_HOUR) {
      throw errors.tooManyRequests('Too many verification mails for this address; try again later', 3600);
    }
    const outboxId = await this.db.transaction((tx) => this.issue(tx, user, 'verify_email'));
    await this.mail.dispatch([outboxId]);
  }

  /**
   * POST /users/verify-email: the token from the mail, sent by the account it was issued to. Requiring the
   * account's own session means the address's owner cannot be tricked into verifying a stranger's sign-up
   * by clicking a link.
   */
  async verify(caller: Caller, token: string): Promise<UserView> {
    const user = await caller.user();
    const row = await tokens.findUsable(this.db, hashOf(token), 'verify_email');
    if (!row || row.userId !== user.id || row.email !== user.email) throw errors.badEmailToken();
    const verified = await this.db.transaction(async (tx) => {
      await tokens.useAll(tx, user.id, 'verify_email');
      return users.update(tx, user.id, { emailVerifiedAt: new Date() });
    });
    if (!verified) throw errors.badEmailToken();
    return toUserView(verified);
  }

  /**
   * POST /auth/password-reset: mails a reset link to an active account with this address, if there is one.
   * The answer is the same either way, so it tells nothing about which addresses have accounts.
   */
  async requestReset(email: string): Promise<void> {
    if (!(await this.mail.sends())) throw errors.mailNotConfigured();
    const user = await users.findByEmail(this.db, email.trim().toLowerCase());
    if (!user?.isActive) return;
    if ((await tokens.countSince(this.db, user.email, 'reset_password', HOUR_MS)) >= PER_ADDRESS_PER_HOUR) return;
    const outboxId = await this.db.transaction((tx) => this.issue(tx, user, 'reset_password'));
    await this.mail.dispatch([outboxId]);
  }

  /**
   * POST /auth/password-reset/confirm: a new password for the account the token was sent for. Following the
   * link proves the address, so the account is verified, and every token issued before stops working.
   */
  async reset(token: string, password: string): Promise<UserView> {
    const passwordHash = await hashPassword(password);
    const updated = await this.db.transaction(async (tx) => {
      const row = await tokens.findUsable(tx, hashOf(token), 'reset_password');
      const user = row && (await users.findById(tx, row.userId));
      if (!row || !user?.isActive || user.email !== row.email) throw errors.badEmailToken();
      await tokens.useAll(tx, user.id, 'reset_password');
      return users.update(tx, user.id, {
        passwordHash,
        emailVerifiedAt: user.emailVerifiedAt ?? new Date(),
        tokenVersion: user.tokenVersion + 1,
      });
    });
    if (!updated) throw errors.badEmailToken();
    return toUserView(updated);
  }

  private async issue(db: Db, user: UserRow, purpose: EmailTokenPurpose): Promise<number | undefined> {
    const token = randomBytes(32).toString('base64url');
    const expiresInMs = LIFETIME_MS[purpose];
    await tokens.insert(db, {
      userId: user.id,
      purpose,
      email: user.email,
      tokenHash: hashOf(token),
      expiresAt: new Date(Date.now() + expiresInMs),
    });
    const to = { address: user.email, name: user.username };
    return this.mail.queueAccountMail(db, { purpose, to, token, expiresInMs });
  }
}
