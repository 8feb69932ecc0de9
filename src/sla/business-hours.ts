/**
 * Due times that count only business hours, in a policy's own time zone (daylight saving included), with
 * nothing but Intl: no time-zone database of our own. Pure: the caller passes the instant to count from.
 *
 * A wall time that a DST switch skips (02:30 on a spring-forward night) counts as shifted forward by the
 * gap; a wall time that happens twice (autumn) is its first occurrence.
 */
export interface BusinessHours {
  /** An IANA zone name, e.g. `Europe/Moscow`. */
  timezone: string;
  /** ISO weekdays that are working days: 1 = Monday … 7 = Sunday. */
  days: number[];
  /** Local `HH:MM`, the working day's start (inclusive) and end (exclusive); start < end. */
  start: string;
  end: string;
}

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
const TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterOf(timezone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timezone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timezone, formatter);
  }
  return formatter;
}

/** Whether Intl knows the zone (an unknown one throws RangeError when a formatter is made). */
export function isTimeZone(timezone: string): boolean {
  if (timezone.length === 0 || timezone.length > 64) return false;
  try {
    formatterOf(timezone);
    return true;
  } catch {
    return false;
  }
}

/** Minutes since local midnight of `HH:MM`, or undefined when it is not one. */
export function minutesOfDay(time: string): number | undefined {
  const match = TIME.exec(time);
  return match ? Number(match[1]) * 60 + Number(match[2]) : undefined;
}

/** What is wrong with `hours`, one message per problem; empty when they can be used. */
export function problemsOf(hours: BusinessHours): { field: string; msg: string }[] {
  const problems: { field: string; msg: string }[] = [];
  if (!isTimeZone(hours.timezone)) problems.push({ field: 'timezone', msg: 'Unknown time zone' });
  if (hours.days.length === 0 || hours.days.some((day) => !Number.isInteger(day) || day < 1 || day > 7)) {
    problems.push({ field: 'days', msg: 'Days should be ISO weekdays 1 (Monday) to 7 (Sunday), at least one' });
  } else if (new Set(hours.days).size !== hours.days.length) {
    problems.push({ field: 'days', msg: 'Days should not repeat' });
  }
  const start = minutesOfDay(hours.start);
  const end = minutesOfDay(hours.end);
  if (start === undefined) problems.push({ field: 'start', msg: 'Start should be a time HH:MM' });
  if (end === undefined) problems.push({ field: 'end', msg: 'End should be a time HH:MM' });
  if (start !== undefined && end !== undefined && end <= start) {
    problems.push({ field: 'end', msg: 'End should be after start' });
  }
  return problems;
}

/** Working minutes in one week of `hours` (nominal: a DST switch inside a window changes a real week). */
export function weeklyMinutes(hours: BusinessHours): number {
  const start = minutesOfDay(hours.start) ?? 0;
  const end = minutesOfDay(hours.end) ?? 0;
  return new Set(hours.days).size * Math.max(0, end - start);
}

/**
 * The most minutes a policy may ask for with business hours: a year's worth of them. It keeps due times
 * meaningful and their computation bounded (one step per week).
 */
export const MAX_BUSINESS_WEEKS = 52;

/** The zone's offset from UTC at `instant`, in milliseconds (local = UTC + offset). */
function offsetAt(timezone: string, instant: number): number {
  const whole = Math.floor(instant / 1000) * 1000;
  const parts = { year: 0, month: 1, day: 1, hour: 0, minute: 0, second: 0 };
  for (const part of formatterOf(timezone).formatToParts(new Date(whole))) {
    if (part.type in parts) parts[part.type as keyof typeof parts] = Number(part.value);
  }
  const local = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
  return local - whole;
}

/** The instant of a local wall time given as a UTC-based number (Date.UTC of the local fields). */
function instantOf(timezone: string, wall: number): number {
  const before = offsetAt(timezone, wall - DAY_MS);
  const after = offsetAt(timezone, wall + DAY_MS);
  const early = wall - Math.max(before, after);
  const late = wall - Math.min(before, after);
  const valid = [early, late].filter((t) => t + offsetAt(timezone, t) === wall);
  // Autumn: both are valid, the first wins. Spring gap: none is; shift forward by the gap.
  return valid[0] ?? wall - before;
}

/** The local calendar date (as Date.UTC of its midnight) of `instant` in `timezone`. */
function localDateOf(timezone: string, instant: number): number {
  const local = instant + offsetAt(timezone, instant);
  return Math.floor(local / DAY_MS) * DAY_MS;
}

function isoWeekday(localDate: number): number {
  const day = new Date(localDate).getUTCDay();
  return day === 0 ? 7 : day;
}

/**
 * The instant `minutes` minutes of work after `from`: plain minutes without business hours, else only the
 * minutes inside the working windows. `hours` must be valid (see problemsOf).
 */
export function addBusinessMinutes(from: Date, minutes: number, hours: BusinessHours | null): Date {
  if (hours === null) return new Date(from.getTime() + minutes * MINUTE_MS);
  const start = minutesOfDay(hours.start);
  const end = minutesOfDay(hours.end);
  if (start === undefined || end === undefined || end <= start || hours.days.length === 0) {
    throw new RangeError('Invalid business hours');
  }
  const days = new Set(hours.days);
  const weekly = weeklyMinutes(hours);
  const tz = hours.timezone;
  let remaining = minutes * MINUTE_MS;
  let cursor = from.getTime();
  if (remaining <= 0) return new Date(cursor);
  let day = localDateOf(tz, cursor);
  for (;;) {
    // Whole weeks at once while no offset change falls inside them: a year of minutes stays cheap.
    const midnight = instantOf(tz, day);
    if (cursor <= midnight && remaining > weekly * MINUTE_MS) {
      const next = instantOf(tz, day + 7 * DAY_MS);
      if (offsetAt(tz, midnight) === offsetAt(tz, next)) {
        remaining -= weekly * MINUTE_MS;
        day += 7 * DAY_MS;
        cursor = next;
        continue;
      }
    }
    if (days.has(isoWeekday(day))) {
      const opens = instantOf(tz, day + start * MINUTE_MS);
      const closes = instantOf(tz, day + end * MINUTE_MS);
      const begin = Math.max(opens, cursor);
      if (closes > begin) {
        if (remaining <= closes - begin) return new Date(begin + remaining);
        remaining -= closes - begin;
        cursor = closes;
      }
    }
    day += DAY_MS;
  }
}
