/**
 * The new part of a reply: mail clients append the conversation so far below an attribution line
 * ("On …, … wrote:") or a copied header block, and we already have that history on the ticket.
 * Heuristic by nature; when in doubt it keeps text, and it never returns nothing for a mail that
 * said something.
 */

/** How many lines an attribution may wrap over (Gmail wraps long names and addresses). */
const ATTRIBUTION_LINES = 4;

/**
 * Attribution lines: how they start and end, in English, French and German. Every client puts a date
 * in them, so a digit is required: "On Monday I restarted it. … My colleague wrote:" is not one.
 */
const ATTRIBUTIONS: { start: RegExp; end: RegExp }[] = [
  { start: /^on\s/i, end: /\swrote\s*:$/i },
  { start: /^le\s/i, end: /\sa\s+écrit\s*:$/i },
  { start: /^am\s/i, end: /\sschrieb\s[^:]*:$/i },
];
/** Russian clients (Thunderbird, The Bat!) write "<date>, <name> пишет:" on one line. */
const RUSSIAN_ATTRIBUTION = /\s(?:пишет|написала?|написал\(а\))\s*:$/iu;

/** Separator lines that open the copied original (Outlook, Outlook Express, Thunderbird, Apple Mail). */
const SEPARATOR =
  /^-{2,}\s*(?:original message|ursprüngliche nachricht|message d'origine|исходное сообщение)\s*-{2,}$/i;

/** An Outlook-style copied header block: "From:" then, within a few lines, "Sent:" or "Date:". */
const HEADER_FROM = /^\*?(?:from|von|de|от)\s*:\*?\s*\S/i;
const HEADER_SENT = /^\*?(?:sent|date|gesendet|datum|envoyé|date d'envoi|отправлено|дата)\s*:\*?\s*\S/i;
const OUTLOOK_RULE = /^_{10,}$/;

const QUOTED = /^\s*>/;
/** RFC 3676 §4.3: the signature separator is "-- " alone on a line. */
const SIGNATURE = '-- ';

/** How many lines the attribution starting at `index` takes; 0 when there is none. */
function attributionAt(lines: string[], index: number): number {
  const first = (lines[index] ?? '').trim();
  if (RUSSIAN_ATTRIBUTION.test(first) && /[\d@]/.test(first) && first.length <= 400) return 1;
  const kind = ATTRIBUTIONS.find((pattern) => pattern.start.test(first));
  if (!kind) return 0;
  let joined = '';
  for (let k = 0; k < ATTRIBUTION_LINES && index + k < lines.length; k++) {
    const line = (lines[index + k] ?? '').trim();
    joined = `${joined} ${line}`.trim();
    if (joined.length > 400) return 0;
    if (kind.end.test(joined)) return /\d/.test(joined) ? k + 1 : 0;
    // A wrapped attribution does not end a sentence before its end.
    if (line === '' || /[.!?]$/.test(line)) return 0;
  }
  return 0;
}

function headerBlockAt(lines: string[], index: number): boolean {
  if (!HEADER_FROM.test((lines[index] ?? '').trim())) return false;
  for (let k = 1; k <= 4 && index + k < lines.length; k++) {
    if (HEADER_SENT.test((lines[index + k] ?? '').trim())) return true;
  }
  return false;
}

/** Where the quoted history starts, and how many lines its opening takes; null when there is none. */
function historyStart(lines: string[]): { index: number; length: number } | null {
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? '').trim();
    if (QUOTED.test(lines[i] ?? '')) continue;
    if (SEPARATOR.test(line)) return { index: i, length: 1 };
    const attribution = attributionAt(lines, i);
    if (attribution > 0) return { index: i, length: attribution };
    if (headerBlockAt(lines, i)) {
      let start = i;
      while (start > 0 && (lines[start - 1] ?? '').trim() === '') start--;
      if (start > 0 && OUTLOOK_RULE.test((lines[start - 1] ?? '').trim())) start--;
      return { index: start, length: i - start + 1 };
    }
  }
  return null;
}

function withoutSignature(lines: string[]): string[] {
  const at = lines.indexOf(SIGNATURE);
  return at < 0 ? lines : lines.slice(0, at);
}

function withoutTrailingQuotes(lines: string[]): string[] {
  let end = lines.length;
  while (end > 0 && (QUOTED.test(lines[end - 1] ?? '') || (lines[end - 1] ?? '').trim() === '')) end--;
  return lines.slice(0, end);
}

const joinTrim = (lines: string[]) => lines.join('\n').trim();

export function stripQuotedReply(text: string): string {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const history = historyStart(lines);
  const top = history ? lines.slice(0, history.index) : lines;
  const reply = joinTrim(withoutSignature(withoutTrailingQuotes(top)));
  if (reply !== '') return reply;

  // Nothing above the history: a bottom-posted or interleaved reply. Keep what is not quoted.
  const rest = history ? lines.slice(history.index + history.length) : lines;
  const unquoted = rest.filter((line) => !QUOTED.test(line));
  const below = joinTrim(withoutSignature(unquoted));
  return below !== '' ? below : text.trim();
}
