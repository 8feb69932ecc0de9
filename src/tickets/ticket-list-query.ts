import { Type } from 'typebox';
import { ticketPriority } from '../db/schema.js';
import { errors } from '../lib/errors.js';
import { Id, Text } from '../lib/schemas.js';
import { MAX_SLA_MINUTES } from '../sla/sla-schemas.js';
import { normalizeUsername } from '../users/username.js';
import { tagField } from './tags.js';

/**
 * The filters of GET /tickets beyond `status` (ticket-schemas.ts puts them into `ListTicketsQuery`), and
 * what the schema alone cannot check: an id in range, a date a calendar has, the exact hits a `q` names.
 */

const MAX_ID = 2_147_483_647;

const DateTime = (description: string) =>
  Type.String({ format: 'date-time', description, examples: ['2025-01-14T13:32:48.417Z'] });

export const TicketListFilters = {
  priority: Type.Optional(Type.Enum(ticketPriority.enumValues)),
  tag: Type.Optional(tagField('Tickets carrying this tag (any case). Staff only (403).')),
  // A union of an integer and 'none' would have two spellings for Ajv's query coercion and the decimal-digits
  // rule (lib/validation.ts) to agree on; one string with its pattern says it exactly. Range: `readGroup`.
  group_id: Type.Optional(
    Type.String({
      pattern: '^(?:none|[0-9]{1,10})$',
      description: 'A group id, or `none`: tickets in no group. Staff only (403).',
    }),
  ),
  operator_id: Type.Optional(Id),
  assignee: Type.Optional(
    Type.Enum(['me', 'none'], { description: '`me`: assigned to the caller; `none`: unassigned.' }),
  ),
  created_after: Type.Optional(DateTime('Created at or after (ISO 8601 with a time zone).')),
  created_before: Type.Optional(DateTime('Created before (ISO 8601 with a time zone).')),
  updated_after: Type.Optional(DateTime('Updated at or after (ISO 8601 with a time zone).')),
  sla: Type.Optional(
    Type.String({
      pattern: '^(?:breached|due_within:[0-9]{1,7})$',
      description:
        '`breached`: a target was missed; `due_within:<minutes>` (1–525600): a target not yet met nor breached ' +
        'comes due within that many minutes (or is overdue). Staff only (403).',
      examples: ['breached', 'due_within:60'],
    }),
  ),
  q: Type.Optional(
    Text(
      1,
      200,
      'Full-text search in subject, description and messages (Russian and English stemming; web search syntax: ' +
        '"phrase", -word, or). `#123` or `123` also finds ticket 123; for staff, a user\'s email or username ' +
        'also finds the tickets that user opened.',
    ),
  ),
};

/** `group_id`: an id, or null for `none`. */
export function readGroup(value: string): number | null {
  if (value === 'none') return null;
  return readId('group_id', Number(value));
}

function readId(name: string, id: number): number {
  if (id < 1) throw errors.badQueryValue(name, 'Input should be greater than or equal to 1', 'greater_than_equal');
  if (id > MAX_ID) {
    throw errors.badQueryValue(name, `Input should be less than or equal to ${MAX_ID}`, 'less_than_equal');
  }
  return id;
}

// The earliest and latest instants PostgreSQL's timestamptz and JavaScript's ISO output agree on (years 1–9999).
const MIN_MS = -62_135_596_800_000; // 0001-01-01T00:00:00Z
const MAX_MS = 253_402_300_799_999;

/**
 * A date-time the schema's format accepted, as an instant. The format admits what no clock shows (a leap
 * second, `23:59:60`), and offsets or years PostgreSQL would refuse: those are 422s here, never a database error.
 */
export function readInstant(name: string, value: string): Date {
  const ms = Date.parse(value.toUpperCase().replace(' ', 'T'));
  if (Number.isNaN(ms) || ms < MIN_MS || ms > MAX_MS) {
    throw errors.badQueryValue(name, 'Input should be a valid datetime', 'datetime_parsing');
  }
  return new Date(ms);
}

/** `sla`: breached tickets, or tickets with a target coming due within `minutes`. */
export type SlaFilter = { kind: 'breached' } | { kind: 'due_within'; minutes: number };

export function readSlaFilter(value: string): SlaFilter {
  if (value === 'breached') return { kind: 'breached' };
  const minutes = Number(value.slice('due_within:'.length));
  if (!Number.isInteger(minutes) || minutes < 1 || minutes > MAX_SLA_MINUTES) {
    throw errors.badQueryValue('sla', `due_within takes 1 to ${MAX_SLA_MINUTES} minutes`);
  }
  return { kind: 'due_within', minutes };
}

/** A search: its text, and the exact hits it may name. */
export interface TicketSearch {
  text: string;
  /** `#123` or `123`: ticket 123. */
  id?: number;
  /** Compared with users.email (stored lower-cased); staff only. */
  email: string;
  /** Compared with users.username_normalized; staff only. */
  username: string;
}

export function readSearch(q: string): TicketSearch {
  const trimmed = q.trim();
  const number = /^#?([0-9]{1,10})$/.exec(trimmed)?.[1];
  const id = number === undefined ? undefined : Number(number);
  return {
    text: q,
    id: id !== undefined && id >= 1 && id <= MAX_ID ? id : undefined,
    email: trimmed.toLowerCase(),
    username: normalizeUsername(trimmed),
  };
}
