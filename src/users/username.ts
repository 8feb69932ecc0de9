/** Usernames: letters, digits, dot, dash, underscore; never "@", so a login string is unambiguous. */
export const USERNAME_PATTERN = '^[\\p{L}\\p{N}._-]{3,50}$';

/**
 * A username for an account we create ourselves (the bootstrap admin, a customer who writes in by email):
 * the address's local part, cleaned to the allowed characters and padded to the minimum length.
 */
export function usernameFromEmail(email: string): string {
  const local = (email.split('@')[0] ?? '').normalize('NFC');
  const cleaned = local.replace(/[^\p{L}\p{N}._-]+/gu, '_').slice(0, 40);
  return cleaned.length >= 3 ? cleaned : `${cleaned}user`.slice(0, 40);
}
