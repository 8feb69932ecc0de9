import { describe, expect, it } from 'vitest';
import { parseTimestamptz } from '../../src/db/pg-timestamp.js';

/** What Drizzle's timestamptz decoder gives: `new Date(text)`. */
const same = (text: string) =>
  expect(
    Object.is(parseTimestamptz(text).getTime(), new Date(text).getTime()),
    `${text}: ${new Date(text).getTime()}`,
  ).toBe(true);

/** A UTC instant written as PostgreSQL writes it in a session whose zone is `offsetMinutes` east of UTC. */
function pgText(utcMs: number, offsetMinutes: number, fractionDigits: number, longOffset: boolean): string {
  const local = new Date(utcMs + offsetMinutes * 60_000).toISOString();
  const micros = `${local.slice(20, 23)}${String(Math.abs(utcMs) % 1000).padStart(3, '0')}`;
  const fraction = fractionDigits === 0 ? '' : `.${micros.slice(0, fractionDigits)}`;
  const sign = offsetMinutes < 0 ? '-' : '+';
  const hours = String(Math.floor(Math.abs(offsetMinutes) / 60)).padStart(2, '0');
  const minutes = String(Math.abs(offsetMinutes) % 60).padStart(2, '0');
  return `${local.slice(0, 10)} ${local.slice(11, 19)}${fraction}${sign}${hours}${longOffset || minutes !== '00' ? `:${minutes}` : ''}`;
}

describe('parseTimestamptz', () => {
  it('reads what PostgreSQL writes as new Date does, in every zone, with 0 to 6 fraction digits', () => {
    let state = 4242;
    const offsets = [0, 60, -480, 330, -210, 840, -720, 345, 585];
    for (let i = 0; i < 50_000; i++) {
      state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
      const utc = -30_000_000_000_000 + Math.floor((state / 2_147_483_648) * 283_000_000_000_000);
      same(pgText(utc, offsets[i % offsets.length] as number, i % 7, i % 5 === 0));
    }
  });

  it('reads the edges as new Date does, and leaves every other shape to it', () => {
    const texts = [
      '2026-12-05 22:54:16.247+00',
      '2026-12-05 22:54:16+00',
      '2026-12-05 22:54:16.1+00',
      '2026-12-05 22:54:16.12+00',
      '2026-12-05 22:54:16.123456+00',
      '2026-12-05 22:54:16.999999-08',
      '2024-02-29 23:59:59.999+00',
      '2025-02-29 12:00:00+00',
      '2026-04-31 12:00:00+00',
      '2026-12-31 23:59:59.999+14',
      '2026-01-01 00:00:00-12',
      '1000-01-01 00:00:00+00',
      '0999-12-31 23:59:59+00',
      '9999-12-31 23:59:59.999+00',
      '10000-01-01 00:00:00+00',
      '0044-03-15 12:00:00+00 BC',
      '2026-12-05 24:00:00+00',
      '2026-12-05 23:60:00+00',
      '2026-12-05 23:59:60+00',
      '2026-13-05 23:59:59+00',
      '2026-00-05 23:59:59+00',
      '2026-12-00 23:59:59+00',
      '2026-12-05 22:54:16.+00',
      '2026-12-05 22:54:16.1234567+00',
      '2026-12-05 22:54:16+05:30:15',
      '2026-12-05 22:54:16+5',
      '2026-12-05 22:54:16+16',
      '2026-12-05 22:54:16+0530',
      '2026-12-05T22:54:16+00',
      '2026-12-05 22:54:16Z',
      '2026-12-05 22:54:16',
      'infinity',
      '-infinity',
      '',
      'not a date at all, longer than 22',
    ];
    for (const text of texts) same(text);
  });
});
