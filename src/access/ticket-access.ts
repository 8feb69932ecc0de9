import { and, eq, exists, inArray, isNotNull, or, type Placeholder, type SQL, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { messages, type TicketRow, tickets, type UserRow, userRole, users } from '../db/schema.js';
import { type Caller, type Standing, standingOf } from './caller.js';

/**
 * Who may read or write a ticket, in SQL (for the statements that check their caller themselves) and in
 * code (for rows already read): staff every ticket and every message; a customer their own tickets, and of
 * those only the public messages. A ticket that arrived by mail belongs to the sender's address: the
 * account with that address gets it only once it has proved it owns the address (a verification link, a
 * password reset, an admin), so signing up with someone else's address shows nothing of theirs.
 * docs/architecture.md ("Who is calling") explains the fast path.
 */

const staffRoles = userRole.enumValues.filter((role) => role !== 'customer');

/**
 * SQL true when the caller's account may act — active, on the token's version — with the standing the
 * statement was built for (`undefined`: whatever the standing). Placeholders `callerId` and `callerVersion`
 * (`callerParams`).
 */
export function callerActs(db: Db, as: Standing | undefined): SQL {
  return exists(
    db
      .select({ id: users.id })
      .from(users)
      .where(
        and(
          eq(users.id, sql.placeholder('callerId')),
          eq(users.tokenVersion, sql.placeholder('callerVersion')),
          eq(users.isActive, true),
          as === undefined ? undefined : as === 'staff' ? inArray(users.role, staffRoles) : eq(users.role, 'customer'),
        ),
      ),
  );
}

export const callerParams = (caller: Caller) => ({ callerId: caller.id, callerVersion: caller.tokenVersion });

/** SQL on `tickets`: the row is open to the caller as `as` (a customer's own, by mail only once verified). */
export function ticketOpenTo(db: Db, as: Standing): SQL | undefined {
  if (as === 'staff') return undefined;
  const verified = db
    .select({ id: users.id })
    .from(users)
    .where(and(eq(users.id, sql.placeholder('callerId')), isNotNull(users.emailVerifiedAt)));
  return and(eq(tickets.creatorId, sql.placeholder('callerId')), or(eq(tickets.channel, 'api'), exists(verified)));
}

/** SQL for statements on a ticket's rows: the ticket `ticketId` (a placeholder) is open to the caller as `as`. */
export function ticketIdOpenTo(db: Db, as: Standing, ticketId: SQL | Placeholder): SQL | undefined {
  if (as === 'staff') return undefined;
  return exists(
    db
      .select({ id: tickets.id })
      .from(tickets)
      .where(and(eq(tickets.id, ticketId), ticketOpenTo(db, as))),
  );
}

/** SQL on `messages`: what of a ticket's conversation the caller reads (customers never see internal notes). */
export function messageVisibleTo(as: Standing): SQL | undefined {
  return as === 'customer' ? eq(messages.internal, false) : undefined;
}

/** `ticketOpenTo` for an account and a ticket already read. */
export function ticketIsOpenTo(
  account: Pick<UserRow, 'id' | 'role' | 'emailVerifiedAt'>,
  ticket: Pick<TicketRow, 'creatorId' | 'channel'>,
): boolean {
  if (standingOf(account) === 'staff') return true;
  return ticket.creatorId === account.id && (ticket.channel === 'api' || account.emailVerifiedAt !== null);
}

/**
 * Runs `work` — a statement that checks its caller — for the standing the caller was last seen with. When
 * there is no guess, or `work` finds nothing (`found` false: an account that may no longer act? another
 * standing? or simply nothing there), the account is loaded (a 401 when it may no longer act) and, if the
 * guess was wrong, `work` runs again for the standing it has. Returns the answer that stands, and for whom.
 */
export async function asCaller<T>(
  caller: Caller,
  work: (as: Standing) => Promise<T>,
  found: (result: T) => boolean,
): Promise<{ result: T; as: Standing }> {
  const guess = caller.seenAs;
  const first = guess ? { result: await work(guess), as: guess } : undefined;
  if (first && found(first.result)) return first;
  const user = await caller.user();
  const as = standingOf(user);
  // The guess held (the account may act, same standing): its statement's empty answer is the answer.
  if (first && first.as === as) return first;
  return { result: await work(as), as };
}

/**
 * Input the caller sent, read before any statement checked them (a cursor): a caller who may no longer act
 * gets the 401 before any complaint about their input, as on every route (and in FastAPI).
 */
export async function readInput<T>(caller: Caller, read: () => T): Promise<T> {
  try {
    return read();
  } catch (error) {
    await caller.user();
    throw error;
  }
}
