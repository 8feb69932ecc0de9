/**
 * Message-IDs (RFC 5322 §3.6.4): `"<" id-left "@" id-right ">"`. Real mail is looser: ids without
 * brackets, folded in the middle, without "@", or In-Reply-To in the RFC 822 style ("Your message of …
 * <id>"). We keep the bracketed form, as the header carries it, so ids compare as stored strings.
 */

/** Longest id we keep: the database column is 998 characters, the RFC 5322 line limit. */
const MAX_ID_LENGTH = 998;
const CONTROL = /[\p{Cc}\p{Zl}\p{Zp}]/gu;
const BRACKETED = /<([^<>]*)>/g;

function cleanInner(inner: string): string | null {
  // Folding (CR LF + space) inside an id is a broken mailer's line wrapping, not part of the id.
  const id = inner.replace(CONTROL, '').replace(/\s+/gu, '');
  if (id === '' || id.length + 2 > MAX_ID_LENGTH) return null;
  return `<${id}>`;
}

/** A bare token is accepted only when it looks like an id (has "@"); anything else is prose. */
function bareToken(token: string): string | null {
  const t = token.replace(/^[("'[]+|[)"',;.\]]+$/g, '');
  if (!/^[^\s@<>]+@[^\s@<>]+$/u.test(t)) return null;
  return cleanInner(t);
}

/** One Message-ID in `<id>` form, or null when `raw` holds none. */
export function normaliseMessageId(raw: string): string | null {
  const text = raw.replace(CONTROL, ' ').trim();
  if (text === '') return null;
  for (const match of text.matchAll(BRACKETED)) {
    const id = cleanInner(match[1] ?? '');
    if (id) return id;
  }
  if (text.includes('<') || text.includes('>')) return null;
  return /\s/u.test(text) ? null : bareToken(text);
}

/**
 * Every Message-ID in a References / In-Reply-To value, in order, de-duplicated. Bracketed ids win;
 * without any bracket the value is split on white space and commas and the tokens that look like ids
 * are kept.
 */
export function parseMessageIdList(raw: string | null | undefined): string[] {
  if (!raw) return [];
  const text = raw.replace(CONTROL, ' ');
  const ids: string[] = [];
  const bracketed = [...text.matchAll(BRACKETED)];
  if (bracketed.length > 0) {
    for (const match of bracketed) {
      const id = cleanInner(match[1] ?? '');
      if (id) ids.push(id);
    }
  } else {
    for (const token of text.split(/[\s,]+/u)) {
      const id = bareToken(token);
      if (id) ids.push(id);
    }
  }
  return [...new Set(ids)];
}
