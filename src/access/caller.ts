import type { UserRow } from '../db/schema.js';

/** How a statement treats its caller: staff (operators and admins) work on every ticket, customers on their own. */
export type Standing = 'staff' | 'customer';

/**
 * The one identity every use case receives, whatever the channel: the bearer of a verified token (API), or
 * the account a mail was sent from (email). Where and how the account behind it is checked is the access
 * module's business (docs/architecture.md, "Who is calling").
 */
export interface Caller {
  readonly id: number;
  readonly tokenVersion: number;
  /**
   * Staff or customer as this process last saw the account (undefined at first sight): only a guess, which
   * picks the shape of a statement that checks it (ticket-access.ts). Never a grant.
   */
  readonly seenAs: Standing | undefined;
  /** The account's role as this process last saw it (undefined at first sight): for logs, never a grant. */
  readonly seenRole: UserRow['role'] | undefined;
  /** The account, loaded and checked once: throws 401 when it may no longer act (deactivated, new token version). */
  user(): Promise<UserRow>;
}

export function standingOf(user: Pick<UserRow, 'role'>): Standing {
  return user.role === 'customer' ? 'customer' : 'staff';
}

export function isStaff(user: Pick<UserRow, 'role'>): boolean {
  return standingOf(user) === 'staff';
}
