import { Type } from 'typebox';

/**
 * Tags as the contract defines them: letters (any script), digits, space, `_`, `.`, `-`, starting with a
 * letter or digit, 1–50 characters, at most 20 on a ticket. Stored normalised (trimmed, lower case, unique,
 * sorted), so `Printer`, ` printer ` and `PRINTER` are one tag and a filter needs no case folding.
 */
export const MAX_TAGS = 20;
export const TAG_PATTERN = '^\\s*[\\p{L}\\p{N}][\\p{L}\\p{N} _.\\-]{0,49}\\s*$';

/** One tag as a client sends it (surrounding spaces allowed: they are trimmed), described for its field. */
export const tagField = (description: string) =>
  Type.String({ minLength: 1, maxLength: 60, pattern: TAG_PATTERN, description, examples: ['printer'] });

export const Tag = tagField(
  'Letters, digits, space, _ . - (1–50 characters, starting with a letter or digit); stored lower-cased.',
);

/** Trimmed and lower-cased: the stored form of one tag. */
export const normalizeTag = (tag: string): string => tag.trim().toLowerCase();

/** The stored form of a set of tags: normalised, unique, sorted (by UTF-16 code unit: the same on every machine). */
export function normalizeTags(tags: readonly string[]): string[] {
  return [...new Set(tags.map(normalizeTag))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
