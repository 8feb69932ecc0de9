import { type Static, Type } from 'typebox';
import { type SlaPolicyRow, ticketPriority } from '../db/schema.js';
import { isoString } from '../lib/iso-date.js';
import { Id, Nullable, Text, Timestamp } from '../lib/schemas.js';

/** The contract of SLA policies (targets per priority) and of a ticket's `sla`. */

/** A year: the most minutes a target may ask for (with business hours, a year of them). */
export const MAX_SLA_MINUTES = 525_600;

const Minutes = (description: string) => Type.Integer({ minimum: 1, maximum: MAX_SLA_MINUTES, description });
const LocalTime = (description: string) =>
  Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$', description, examples: ['09:00'] });

export const BusinessHours = Type.Object(
  {
    timezone: Type.String({
      minLength: 1,
      maxLength: 64,
      description: 'An IANA time zone (unknown: 422). Daylight saving time is followed.',
      examples: ['Europe/Moscow'],
    }),
    days: Type.Array(Type.Integer({ minimum: 1, maximum: 7 }), {
      minItems: 1,
      maxItems: 7,
      uniqueItems: true,
      description: 'Working days, ISO weekdays: 1 = Monday … 7 = Sunday.',
    }),
    start: LocalTime('Local start of the working day (HH:MM).'),
    end: LocalTime('Local end of the working day (HH:MM), after `start` (else 422).'),
  },
  { additionalProperties: false },
);

const PolicyPriority = Nullable(Type.Enum(ticketPriority.enumValues), {
  description: 'The priority it covers; null: any priority without a policy of its own. One policy each (409).',
});

const policyFields = {
  name: Text(1, 100),
  priority: PolicyPriority,
  first_response_minutes: Minutes('Minutes (of business hours, when given) to the first public staff answer.'),
  resolution_minutes: Minutes('Minutes (of business hours, when given) to closing, from creation or reopening.'),
  business_hours: Nullable(BusinessHours, { description: 'null: the clock runs around the clock.' }),
};

export const SlaPolicy = Type.Object({
  id: Id,
  ...policyFields,
  created_at: Timestamp,
  updated_at: Timestamp,
});

export const CreateSlaPolicyBody = Type.Object(policyFields, {
  additionalProperties: false,
  examples: [
    {
      name: 'Urgent',
      priority: 'urgent',
      first_response_minutes: 30,
      resolution_minutes: 240,
      business_hours: { timezone: 'Europe/Moscow', days: [1, 2, 3, 4, 5], start: '09:00', end: '18:00' },
    },
  ],
});

export const UpdateSlaPolicyBody = Type.Object(
  {
    name: Type.Optional(policyFields.name),
    priority: Type.Optional(policyFields.priority),
    first_response_minutes: Type.Optional(policyFields.first_response_minutes),
    resolution_minutes: Type.Optional(policyFields.resolution_minutes),
    business_hours: Type.Optional(policyFields.business_hours),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const SLA_TARGETS = ['first_response', 'resolution'] as const;
export type SlaTarget = (typeof SLA_TARGETS)[number];

export const TicketSla = Type.Object(
  {
    policy_id: Id,
    first_response_due_at: Timestamp,
    resolution_due_at: Timestamp,
    first_responded_at: Nullable(Timestamp),
    breached: Type.Array(Type.Enum(SLA_TARGETS), {
      description: 'Targets missed (noticed within a minute): `first_response`, `resolution`, both, or none.',
    }),
  },
  {
    description:
      'The ticket under its SLA policy; null without one. Staff only: always null for customers. ' +
      'Resolution counts from creation or the last reopening, and stops at closing.',
  },
);

export type SlaPolicyView = Static<typeof SlaPolicy>;
export type CreateSlaPolicy = Static<typeof CreateSlaPolicyBody>;
export type UpdateSlaPolicy = Static<typeof UpdateSlaPolicyBody>;
export type TicketSlaView = Static<typeof TicketSla>;

export function toSlaPolicyView(row: SlaPolicyRow): SlaPolicyView {
  return {
    id: row.id,
    name: row.name,
    priority: row.priority,
    first_response_minutes: row.firstResponseMinutes,
    resolution_minutes: row.resolutionMinutes,
    business_hours: row.businessHours,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

/** The SLA columns of a ticket row. */
export interface TicketSlaColumns {
  slaPolicyId: number | null;
  slaFirstResponseDueAt: Date | null;
  slaResolutionDueAt: Date | null;
  slaFirstRespondedAt: Date | null;
  slaFirstResponseBreachedAt: Date | null;
  slaResolutionBreachedAt: Date | null;
}

export function breachedOf(row: Pick<TicketSlaColumns, 'slaFirstResponseBreachedAt' | 'slaResolutionBreachedAt'>) {
  const breached: SlaTarget[] = [];
  if (row.slaFirstResponseBreachedAt) breached.push('first_response');
  if (row.slaResolutionBreachedAt) breached.push('resolution');
  return breached;
}

export function toTicketSlaView(row: TicketSlaColumns): TicketSlaView | null {
  if (row.slaPolicyId === null || !row.slaFirstResponseDueAt || !row.slaResolutionDueAt) return null;
  return {
    policy_id: row.slaPolicyId,
    first_response_due_at: isoString(row.slaFirstResponseDueAt),
    resolution_due_at: isoString(row.slaResolutionDueAt),
    first_responded_at: row.slaFirstRespondedAt ? isoString(row.slaFirstRespondedAt) : null,
    breached: breachedOf(row),
  };
}
