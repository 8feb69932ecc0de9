/**
 * The Date header (RFC 5322 §3.3, with the obsolete forms of §4.3). Parsed here, strictly: mailparser
 * answers "now" for a date it cannot read, and `Date.parse` reads almost anything ("foo 12" is a date
 * in 2001 to V8), while a wrong date is worse than none.
 */

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/** RFC 5322 §4.3 obsolete zone names; military letters carry no reliable offset, so they count as 0. */
const ZONES: Record<string, number> = {
  ut: 0,
  utc: 0,
  gmt: 0,
  z: 0,
  est: -5 * 60,
  edt: -4 * 60,
  cst: -6 * 60,
  cdt: -5 * 60,
  mst: -7 * 60,
  mdt: -6 * 60,
  pst: -8 * 60,
  pdt: -7 * 60,
};

const RFC5322_DATE =
  /^(?:[a-z]+\s*,?\s*)?(\d{1,2})[\s-]+([a-z]{3})[a-z]*\.?[\s-]+(\d{2,4})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\s*([+-]\d{4}|[a-z]{1,5}))?/i;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?$/i;

function zoneOffsetMinutes(zone: string | undefined): number {
  if (!zone) return 0;
  const numeric = /^([+-])(\d{2})(\d{2})$/.exec(zone);
  if (numeric) {
    const minutes = Number(numeric[2]) * 60 + Number(numeric[3]);
    return numeric[1] === '-' ? -minutes : minutes;
  }
  return ZONES[zone.toLowerCase()] ?? 0;
}

/** The instant a Date header names, or null when it names none. */
export function parseMailDate(raw: string): Date | null {
  // Comments such as "(PDT)" are allowed anywhere by RFC 5322 §3.2.2 and mean nothing here.
  const value = raw
    .replace(/\([^()]*\)/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  const match = RFC5322_DATE.exec(value);
  if (!match) {
    if (!ISO_DATE.test(value)) return null;
    const time = Date.parse(value.replace(' ', 'T'));
    return Number.isFinite(time) ? new Date(time) : null;
  }
  const [, dayText, monthText, yearText, hourText, minuteText, secondText, zone] = match;
  const month = MONTHS.indexOf((monthText ?? '').toLowerCase());
  let year = Number(yearText);
  // RFC 5322 §4.3: two-digit years below 50 are 20xx, others 19xx; three digits add 1900.
  if ((yearText ?? '').length === 2) year += year < 50 ? 2000 : 1900;
  else if ((yearText ?? '').length === 3) year += 1900;
  const day = Number(dayText);
  const hour = Number(hourText);
  const minute = Number(minuteText);
  const second = Number(secondText ?? '0');
  if (month < 0 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return null;
  const utc = Date.UTC(year, month, day, hour, minute, Math.min(second, 59));
  const date = new Date(utc - zoneOffsetMinutes(zone) * 60_000);
  // Reject a day past the month's end ("31 Feb") instead of rolling over into the next month.
  return new Date(Date.UTC(year, month, day)).getUTCMonth() === month ? date : null;
}
