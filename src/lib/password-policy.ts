import { createRequire } from 'node:module';
import type * as LanguageCommon from '@zxcvbn-ts/language-common';

/**
 * What a new password must be (NIST SP 800-63B, 3.1.1.2): at least 10 characters, and not one that
 * attackers try first. No composition rules (digits, symbols): they make passwords harder to remember,
 * not to guess. Applies to sign-up, a password change and ADMIN_PASSWORD; logging in checks nothing here.
 */
export const MIN_PASSWORD_LENGTH = 10;
export const MAX_PASSWORD_LENGTH = 128;

const load = createRequire(import.meta.url);
let common: ReadonlySet<string> | undefined;

/**
 * The ranked list of common passwords of zxcvbn-ts (49,233 entries, all lower case, from breach corpora),
 * read on first use. Only the language data package is loaded (its main file, a few hundred kilobytes),
 * never the zxcvbn estimator. Compared ignoring case: `Password123` is as common as `password123`.
 */
export function isCommonPassword(password: string): boolean {
  common ??= new Set((load('@zxcvbn-ts/language-common') as typeof LanguageCommon).dictionary['passwords-common']);
  return common.has(password.toLowerCase());
}
