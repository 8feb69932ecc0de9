import type { PublicUserRow } from '../users/user-repository.js';

/** The authenticated caller of a use case: the user row loaded for this request. */
export type Actor = PublicUserRow;

/** Operators and admins work on every ticket; customers only on their own. */
export function isStaff(actor: Actor): boolean {
  return actor.role === 'operator' || actor.role === 'admin';
}
