import { describe, expect, it } from 'vitest';
import { isoString } from '../../src/lib/iso-date.js';

const same = (date: Date) => expect(isoString(date), String(date.getTime())).toBe(date.toISOString());

describe('isoString', () => {
  it('equals toISOString on the edges of days, months, leap years, centuries and its own range', () => {
    const edges = [
      '1970-01-01T00:00:00.000Z',
      '1969-12-31T23:59:59.999Z',
      '2000-02-29T12:00:00.001Z',
      '2000-03-01T00:00:00.000Z',
      '1900-02-28T23:59:59.999Z',
      '1900-03-01T00:00:00.000Z',
      '2100-02-28T23:59:59.999Z',
      '2100-03-01T00:00:00.000Z',
      '2024-02-29T23:59:59.999Z',
      '2026-12-31T23:59:59.999Z',
      '2027-01-01T00:00:00.000Z',
      '1000-01-01T00:00:00.000Z',
      '0999-12-31T23:59:59.999Z',
      '9999-12-31T23:59:59.999Z',
      '+010000-01-01T00:00:00.000Z',
      '-000001-06-15T08:30:00.000Z',
      '0000-01-01T00:00:00.000Z',
      '1600-02-29T00:00:00.000Z',
    ];
    for (const text of edges) same(new Date(text));
    same(new Date(8.64e15));
    same(new Date(-8.64e15));
  });

  it('equals toISOString on every millisecond field and every day of a leap and a common year', () => {
    for (let ms = 0; ms < 1000; ms++) same(new Date(Date.UTC(2026, 11, 6, 15, 59, 59, ms)));
    for (const year of [2024, 2025, 1970, 1969]) {
      for (let day = 0; day < 366; day++) same(new Date(Date.UTC(year, 0, 1 + day, day % 24, day % 60, day % 60)));
    }
  });

  it('equals toISOString on random instants across years 0 to 10000', () => {
    let state = 12_345;
    for (let i = 0; i < 100_000; i++) {
      state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
      same(new Date(-62_200_000_000_000 + Math.floor((state / 2_147_483_648) * 315_700_000_000_000)));
    }
  });

  it('throws as toISOString does for an invalid date', () => {
    expect(() => isoString(new Date(Number.NaN))).toThrow(RangeError);
  });
});
