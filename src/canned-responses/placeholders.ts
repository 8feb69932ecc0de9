/**
 * `{{ name }}` placeholders in a canned response's text, filled with plain text (a message is text, not
 * HTML: nothing is escaped). Spaces inside the braces are allowed; a name without a value stays exactly as
 * written, so a typo shows in the draft instead of vanishing.
 */
const PLACEHOLDER = /\{\{\s*([A-Za-z_][\w]*(?:\.[A-Za-z_][\w]*)*)\s*\}\}/g;

export function fillPlaceholders(text: string, values: ReadonlyMap<string, string>): string {
  // A replacer function, so `$&` or `$1` in a value is inserted as written.
  return text.replace(PLACEHOLDER, (written, name: string) => values.get(name) ?? written);
}
