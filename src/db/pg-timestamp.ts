const ZERO = 48;

/** The digits of `text` from `start` to `end` as a number, or -1 if any is not a digit. */
function digits(text: string, start: number, end: number): number {
  let value = 0;
  for (let i = start; i < end; i++) {
    const digit = text.charCodeAt(i) - ZERO;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

/** Days from 1970-01-01 to a date of the proleptic Gregorian calendar (Howard Hinnant's `days_from_civil`). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * A `timestamp with time zone` as PostgreSQL writes it in text (`2026-12-05 22:54:16.247+00`, the offset
 * as the session's TimeZone gives it: `+01`, `+05:30`), read into the same `Date` as Drizzle's decoder,
 * `new Date(text)`, which hands it to V8's general date parser (~200 ns; this ~50 ns, and a list reads six
 * of them per ticket). Only that exact shape with plain values (years 1000–9999, hours 0–23, an offset of
 * hours or hours and minutes) is read here; anything else (BC, infinity, seconds in the offset, more than
 * four digits of year) goes to `new Date(text)`. Fractions beyond milliseconds are cut, as V8 cuts them.
 * test/unit/pg-timestamp.test.ts compares it with `new Date(text)`.
 */
export function parseTimestamptz(text: string): Date {
  const time = fastTime(text);
  return new Date(time === undefined ? text : time);
}

function fastTime(text: string): number | undefined {
  const length = text.length;
  if (
    length < 22 ||
    text.charCodeAt(4) !== 45 || // -
    text.charCodeAt(7) !== 45 ||
    text.charCodeAt(10) !== 32 || // space
    text.charCodeAt(13) !== 58 || // :
    text.charCodeAt(16) !== 58
  ) {
    return undefined;
  }
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 7);
  const day = digits(text, 8, 10);
  const hour = digits(text, 11, 13);
  const minute = digits(text, 14, 16);
  const second = digits(text, 17, 19);
  if (year < 1000 || month < 1 || month > 12 || day < 1 || day > (DAYS_IN_MONTH[month - 1] as number)) return undefined;
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return undefined;
  let at = 19;
  let ms = 0;
  if (text.charCodeAt(at) === 46) {
    // .f to .ffffff: the first three digits are the milliseconds (".1" is 100), the rest is cut.
    let end = at + 1;
    while (end < length && end - at <= 6 && text.charCodeAt(end) >= ZERO && text.charCodeAt(end) <= ZERO + 9) end++;
    const count = end - at - 1;
    if (count === 0) return undefined;
    const kept = Math.min(count, 3);
    ms = digits(text, at + 1, at + 1 + kept) * (kept === 1 ? 100 : kept === 2 ? 10 : 1);
    at = end;
  }
  const sign = text.charCodeAt(at);
  if (sign !== 43 && sign !== 45) return undefined; // + or -
  const offsetHours = digits(text, at + 1, at + 3);
  let offsetMinutes = 0;
  if (length === at + 6 && text.charCodeAt(at + 3) === 58) {
    offsetMinutes = digits(text, at + 4, at + 6);
  } else if (length !== at + 3) {
    return undefined;
  }
  if (offsetHours < 0 || offsetHours > 15 || offsetMinutes < 0 || offsetMinutes > 59) return undefined;
  const offset = (offsetHours * 60 + offsetMinutes) * 60_000;
  const utc = daysFromCivil(year, month, day) * 86_400_000 + ((hour * 60 + minute) * 60 + second) * 1000 + ms;
  return sign === 43 ? utc - offset : utc + offset;
}
