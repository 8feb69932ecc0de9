import { and, eq, exists, inArray, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { type UserRole, users } from '../db/schema.js';
import { type Actor, isStaff } from './actor.js';

/**
 * The bearer of a verified token (signature and expiry checked), before anyone asked the database whether
 * that user may still act: active, same token version (a password change bumps it), same role.
 *
 * Routes on the hot path hand the caller to a statement that does the work and checks the user in the
 * same round trip (`callerStands`); when that statement finds nothing, the service loads the user with
 * `actor()` (a 401 if the token no longer stands) and answers the slow way. Every other route loads the
 * user up front.
 */
export interface Caller {
  id: number;
  tokenVersion: number;
  /**
   * Staff or customer, as this process last saw this user: only a guess, which picks the statement's
   * shape; the statement checks it, so a changed role falls back to `actor()`. Unknown at first sight;
   * after `actor()`, what it found.
   */
  staffHint: boolean | undefined;
  /** Loads and checks the user (memoised): throws a 401 when the token no longer stands. */
  actor(): Promise<Actor>;
}

const staffRoles: UserRole[] = ['operator', 'admin'];

/** The caller's id and the guess a statement is built for; checked by `callerStands`. */
export interface CheckedCaller {
  id: number;
  tokenVersion: number;
  staff: boolean;
}

/**
 * SQL true when the caller's user is active, on the token's version, and staff (or a customer) as
 * guessed (`staff` undefined: whatever the role). Placeholders `callerId` and `callerVersion`; the guess
 * is part of the statement's shape.
 */
export function callerStands(db: Db, staff: boolean | undefined) {
  return exists(
    db
      .select({ id: users.id })
      .from(users)
      .where(
        and(
          eq(users.id, sql.placeholder('callerId')),
          eq(users.tokenVersion, sql.placeholder('callerVersion')),
          eq(users.isActive, true),
          staff === undefined ? undefined : staff ? inArray(users.role, staffRoles) : eq(users.role, 'customer'),
        ),
      ),
  );
}

/** The values of `callerStands`' placeholders. */
export const callerParams = (reader: CheckedCaller) => ({ callerId: reader.id, callerVersion: reader.tokenVersion });

/** The guess to build a fast statement for, or none: then the service takes the slow way. */
export function checkedCaller(caller: Caller): CheckedCaller | undefined {
  const { id, tokenVersion, staffHint } = caller;
  return staffHint === undefined ? undefined : { id, tokenVersion, staff: staffHint };
}

/**
 * Runs `work` for the caller as guessed. When there is no guess, or `work` comes back with nothing
 * (`found` false: a user who may no longer act? a changed role? or simply nothing there), loads the user
 * (a 401 when the token no longer stands) and, if the guess was wrong, runs `work` again for who they are.
 * Returns the answer that stands and the caller it stands for.
 */
export async function runAsCaller<T>(
  caller: Caller,
  work: (reader: CheckedCaller) => Promise<T>,
  found: (result: T) => boolean,
): Promise<{ result: T; reader: CheckedCaller }> {
  const guess = checkedCaller(caller);
  const first = guess ? { result: await work(guess), reader: guess } : undefined;
  if (first && found(first.result)) return first;
  const actor = await caller.actor();
  const reader = { id: actor.id, tokenVersion: caller.tokenVersion, staff: isStaff(actor) };
  // The guess held (the user may act, same role): its statement's empty answer is the answer.
  if (first && first.reader.staff === reader.staff) return { result: first.result, reader };
  return { result: await work(reader), reader };
}
