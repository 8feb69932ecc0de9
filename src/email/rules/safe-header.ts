/**
 * Text that goes into a header we write (a display name, a subject). RFC 5322 §2.2 makes CR LF the
 * end of a header field, so a customer's name or subject holding one could add headers of its own
 * ("header injection"); every control character is removed, not just CR and LF, because NUL, a lone CR
 * or an escape sequence are handled differently by each mail server and terminal on the way.
 */

// C0 and C1 controls and DEL (\p{Cc}), plus the Unicode line and paragraph separators, which some
// software treats as line ends.
const CONTROL = /[\p{Cc}\u2028\u2029]+/gu;

/**
 * `value` as a single safe line: control characters become spaces, runs of white space collapse to one
 * space, the result is trimmed and cut to at most `max` code points, never in the middle of a surrogate
 * pair (a cut pair would be an invalid string in UTF-8).
 */
export function headerText(value: string, max = 200): string {
  const limit = Math.max(0, Math.floor(max));
  const line = value.replace(CONTROL, ' ').replace(/\s+/gu, ' ').trim();
  const codePoints = Array.from(line);
  if (codePoints.length <= limit) return line;
  return codePoints.slice(0, limit).join('').trimEnd();
}
