import { describe, expect, it } from 'vitest';
import {
  addBusinessMinutes,
  type BusinessHours,
  isTimeZone,
  MAX_BUSINESS_WEEKS,
  problemsOf,
  weeklyMinutes,
} from '../../src/sla/business-hours.js';

const at = (iso: string) => new Date(iso);
const due = (from: string, minutes: number, hours: BusinessHours | null) =>
  addBusinessMinutes(at(from), minutes, hours).toISOString();

const moscow: BusinessHours = { timezone: 'Europe/Moscow', days: [1, 2, 3, 4, 5], start: '09:00', end: '18:00' };
const berlin: BusinessHours = { timezone: 'Europe/Berlin', days: [1, 2, 3, 4, 5], start: '09:00', end: '17:00' };

describe('addBusinessMinutes', () => {
  it('adds plain minutes without business hours', () => {
    expect(due('2026-12-04T14:00:00.000Z', 90, null)).toBe('2026-12-04T15:30:00.000Z');
  });

  it('counts from the opening when the clock starts before it', () => {
    // Monday 07:00 in Moscow (UTC+3): 09:00 + 30 min = 06:30 UTC.
    expect(due('2026-12-07T04:00:00.000Z', 30, moscow)).toBe('2026-12-07T06:30:00.000Z');
  });

  it('carries what is left of Friday over the weekend to Monday morning', () => {
    // Friday 2026-12-04 17:00 MSK: 60 min that day, 60 more from Monday 09:00 MSK.
    expect(due('2026-12-04T14:00:00.000Z', 120, moscow)).toBe('2026-12-07T07:00:00.000Z');
  });

  it('starts a ticket opened on Saturday on Monday', () => {
    expect(due('2026-12-05T10:00:00.000Z', 60, moscow)).toBe('2026-12-07T07:00:00.000Z');
  });

  it('ends exactly at closing time rather than at the next opening', () => {
    // Monday 09:00 MSK + 9 h = 18:00 MSK = 15:00 UTC.
    expect(due('2026-12-07T06:00:00.000Z', 540, moscow)).toBe('2026-12-07T15:00:00.000Z');
  });

  it('follows the offset change of a weekend with a spring DST switch', () => {
    // Friday 2026-03-27 16:00 CET (UTC+1): 60 min; Monday 2026-03-30 09:00 CEST is 07:00 UTC, + 60 min.
    expect(due('2026-03-27T15:00:00.000Z', 120, berlin)).toBe('2026-03-30T08:00:00.000Z');
  });

  it('counts the real length of a working window that a spring switch shortens', () => {
    // Sunday 2026-03-29, Berlin, 01:00–04:00 local: 02:00 CET jumps to 03:00 CEST, so the window is 2 h.
    const sunday: BusinessHours = { timezone: 'Europe/Berlin', days: [7], start: '01:00', end: '04:00' };
    expect(due('2026-03-29T00:00:00.000Z', 120, sunday)).toBe('2026-03-29T02:00:00.000Z');
    // 30 min more go to the next Sunday's window: 01:00 CEST = 23:00 UTC on Saturday.
    expect(due('2026-03-29T00:00:00.000Z', 150, sunday)).toBe('2026-04-04T23:30:00.000Z');
  });

  it('counts the real length of a working window that an autumn switch lengthens', () => {
    // Sunday 2026-10-25, Berlin, 01:00 CEST (23:00 UTC) to 04:00 CET (03:00 UTC): 4 h.
    const sunday: BusinessHours = { timezone: 'Europe/Berlin', days: [7], start: '01:00', end: '04:00' };
    expect(due('2026-10-24T23:00:00.000Z', 240, sunday)).toBe('2026-10-25T03:00:00.000Z');
    expect(due('2026-10-24T23:00:00.000Z', 241, sunday)).toBe('2026-11-01T00:01:00.000Z');
  });

  it('skips whole weeks exactly, across a DST switch', () => {
    // New York, 9 h × 5 days = 2700 min a week. Monday 2026-01-05 09:00 EST + 10 weeks + 30 min:
    // Monday 2026-03-16 09:30 EDT (UTC-4, after the 2026-03-08 switch) = 13:30 UTC.
    const newYork: BusinessHours = {
      timezone: 'America/New_York',
      days: [1, 2, 3, 4, 5],
      start: '09:00',
      end: '18:00',
    };
    expect(due('2026-01-05T14:00:00.000Z', 27_030, newYork)).toBe('2026-03-16T13:30:00.000Z');
  });

  it('reaches a year of business minutes in a narrow window (the most a policy may ask) quickly', () => {
    // One minute on Wednesdays: 52 minutes from Thursday 2026-01-01 end on the 52nd Wednesday, 2026-12-30.
    const narrow: BusinessHours = { timezone: 'Europe/Berlin', days: [3], start: '12:00', end: '12:01' };
    const started = performance.now();
    const result = addBusinessMinutes(
      at('2026-01-01T00:00:00.000Z'),
      MAX_BUSINESS_WEEKS * weeklyMinutes(narrow),
      narrow,
    );
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(result.toISOString()).toBe('2026-12-30T11:01:00.000Z');
  });
});

describe('problemsOf', () => {
  it('accepts sensible hours', () => {
    expect(problemsOf(moscow)).toEqual([]);
    expect(isTimeZone('Europe/Moscow')).toBe(true);
  });

  it('names each problem', () => {
    expect(problemsOf({ timezone: 'Mars/Olympus', days: [1], start: '09:00', end: '18:00' })).toEqual([
      { field: 'timezone', msg: 'Unknown time zone' },
    ]);
    expect(problemsOf({ ...moscow, days: [] }).map((p) => p.field)).toEqual(['days']);
    expect(problemsOf({ ...moscow, days: [0, 8] }).map((p) => p.field)).toEqual(['days']);
    expect(problemsOf({ ...moscow, days: [1, 1] }).map((p) => p.field)).toEqual(['days']);
    expect(problemsOf({ ...moscow, start: '9:00' }).map((p) => p.field)).toEqual(['start']);
    expect(problemsOf({ ...moscow, end: '24:00' }).map((p) => p.field)).toEqual(['end']);
    expect(problemsOf({ ...moscow, start: '18:00', end: '09:00' }).map((p) => p.field)).toEqual(['end']);
  });
});
