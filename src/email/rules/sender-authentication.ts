/**
 * Whether a mail's sender is who its From says, as the receiving mail server judged it: RFC 8601
 * `Authentication-Results` headers, trusted only from the server named by EMAIL_TRUSTED_AUTHSERV_ID (a
 * header anyone can write; that server puts its own on top and removes forged ones with its name, RFC 8601
 * §5). The DMARC result decides: it covers SPF and DKIM aligned with the From domain.
 *
 * - `pass`: DMARC passed;
 * - `fail`: DMARC failed — the From address is forged, or its domain's mail is misconfigured;
 * - `none`: the trusted server checked and reached no verdict (a domain without a DMARC policy, a temporary
 *   error), or added no result;
 * - `unknown`: no trusted server is configured, so nothing can be said.
 */
export type SenderAuthentication = 'pass' | 'fail' | 'none' | 'unknown';

/** `text` without RFC 5322 comments (nested parentheses), outside quoted strings. */
function withoutComments(text: string): string {
  let depth = 0;
  let quoted = false;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === '\\' && i + 1 < text.length) {
      if (depth === 0) out += c + text[i + 1];
      i++;
    } else if (quoted) {
      out += c;
      if (c === '"') quoted = false;
    } else if (c === '"' && depth === 0) {
      quoted = true;
      out += c;
    } else if (c === '(') {
      depth++;
    } else if (c === ')' && depth > 0) {
      depth--;
    } else if (depth === 0) {
      out += c;
    }
  }
  return out;
}

/** Splits on `;` outside quoted strings. */
function statements(text: string): string[] {
  const parts: string[] = [];
  let quoted = false;
  let current = '';
  for (const c of text) {
    if (c === '"') quoted = !quoted;
    if (c === ';' && !quoted) {
      parts.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  parts.push(current);
  return parts.map((part) => part.trim()).filter(Boolean);
}

export interface AuthenticationResult {
  authservId: string;
  /** method (lower case) → results, in order: `dmarc` → [`pass`]. */
  results: Map<string, string[]>;
}

/** One `Authentication-Results` header value, parsed; null when it is not one. */
export function parseAuthenticationResults(value: string): AuthenticationResult | null {
  const [first, ...rest] = statements(withoutComments(value.replace(/\r?\n[ \t]+/g, ' ')));
  const authservId = first?.split(/\s+/)[0]?.toLowerCase();
  if (!authservId) return null;
  const results = new Map<string, string[]>();
  for (const statement of rest) {
    const match = /^([a-z0-9_-]+)(?:\/[0-9]+)?\s*=\s*([a-z0-9_-]+)/i.exec(statement);
    if (!match) continue;
    const method = (match[1] as string).toLowerCase();
    results.set(method, [...(results.get(method) ?? []), (match[2] as string).toLowerCase()]);
  }
  return { authservId, results };
}

/** The verdict on a mail, from its `Authentication-Results` header values in order (topmost first). */
export function senderAuthentication(
  headerValues: string[],
  trustedAuthservId: string | undefined,
): SenderAuthentication {
  if (!trustedAuthservId) return 'unknown';
  const ours = headerValues
    .map(parseAuthenticationResults)
    .find((parsed) => parsed?.authservId === trustedAuthservId.toLowerCase());
  const dmarc = ours?.results.get('dmarc')?.[0];
  if (dmarc === 'pass') return 'pass';
  if (dmarc === 'fail') return 'fail';
  return 'none';
}
