import type { HeaderValue } from 'mailparser';

/**
 * Plain text from HTML when mailparser's converter gave none (the document was too large or too
 * deeply nested for html-to-text). Rough on purpose: every pattern is linear, so hostile markup cannot
 * make it slow. The text is for reading a ticket and for spotting bounces, not for display fidelity.
 */
export function htmlToRoughText(html: string): string {
  return html
    .slice(0, 2_000_000)
    .replace(/<br[^<>]*>|<\/(?:p|div|li|tr|h[1-6]|blockquote)\s*>/gi, '\n')
    .replace(/<[^<>]*>/g, ' ')
    .replace(/&nbsp;/gi, ' ')
    .replace(/&lt;/gi, '<')
    .replace(/&gt;/gi, '>')
    .replace(/&quot;/gi, '"')
    .replace(/&#39;|&apos;/gi, "'")
    .replace(/&amp;/gi, '&')
    .replace(/[ \t\f\v]+/g, ' ')
    .replace(/ ?\n ?/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** mailparser's parsed Content-Type, lower-cased, or null when it is not the structured form. */
export function structuredContentType(
  value: HeaderValue | undefined,
): { value: string; params: Record<string, string> } | null {
  const first: unknown = Array.isArray(value) ? value[0] : value;
  if (typeof first !== 'object' || first === null || !('value' in first) || typeof first.value !== 'string') {
    return null;
  }
  const params: Record<string, string> = {};
  const raw: unknown = 'params' in first ? first.params : undefined;
  if (typeof raw === 'object' && raw !== null) {
    for (const [key, param] of Object.entries(raw)) {
      if (typeof param === 'string') params[key.toLowerCase()] = param;
    }
  }
  return { value: first.value.toLowerCase().trim(), params };
}
