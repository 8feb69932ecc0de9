/** "00" … "99" and "000" … "999", so a date is written by concatenation alone. */
const TWO = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));
const THREE = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));

const DAY_MS = 86_400_000;
/** 1000-01-01T00:00:00.000Z and 10000-01-01T00:00:00.000Z: years written with exactly four digits. */
const FIRST_MS = -30_610_224_000_000;
const END_MS = 253_402_300_800_000;

/**
 * `date.toISOString()`, the same string, about three times faster: V8 formats it in C++ through a runtime
 * call, and a ticket list writes 120 of them per page (each ticket's and each person's timestamps). Years
 * outside 1000–9999 (and invalid dates, which throw) are left to `toISOString`. The calendar arithmetic
 * is Howard Hinnant's `civil_from_days`; test/unit/iso-date.test.ts compares the two.
 */
export function isoString(date: Date): string {
  const time = date.getTime();
  if (!(time >= FIRST_MS && time < END_MS)) return date.toISOString();
  const days = Math.floor(time / DAY_MS);
  let rest = time - days * DAY_MS;
  const ms = rest % 1000;
  rest = (rest - ms) / 1000;
  const seconds = rest % 60;
  rest = (rest - seconds) / 60;
  const minutes = rest % 60;
  const hours = (rest - minutes) / 60;
  // Days since 0000-03-01 in 400-year eras; March first, so the leap day ends the year.
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const shiftedMonth = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * shiftedMonth + 2) / 5) + 1;
  const month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  return `${year}-${TWO[month]}-${TWO[day]}T${TWO[hours]}:${TWO[minutes]}:${TWO[seconds]}.${THREE[ms]}Z`;
}
