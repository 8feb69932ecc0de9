import { type Caller, isStaff } from '../access/caller.js';
import type { Db } from '../db/client.js';
import { isUniqueViolation } from '../db/errors.js';
import { errors } from '../lib/errors.js';
import { type BusinessHours, MAX_BUSINESS_WEEKS, problemsOf, weeklyMinutes } from './business-hours.js';
import { type NewSlaPolicy, slaPolicyRepository as policies, SLA_PRIORITY_KEY } from './sla-policy-repository.js';
import { type CreateSlaPolicy, type SlaPolicyView, toSlaPolicyView, type UpdateSlaPolicy } from './sla-schemas.js';

/**
 * SLA policies: staff read them, admins change them. A change applies to tickets from their next
 * recomputation (created, re-prioritised, reopened); a deleted policy's tickets lose their SLA.
 */
export class SlaPolicyService {
  constructor(private readonly db: Db) {}

  async create(caller: Caller, input: CreateSlaPolicy): Promise<SlaPolicyView> {
    await checkAdmin(caller);
    const values: NewSlaPolicy = {
      name: input.name.trim(),
      priority: input.priority,
      firstResponseMinutes: input.first_response_minutes,
      resolutionMinutes: input.resolution_minutes,
      businessHours: input.business_hours,
    };
    checkPolicy(values);
    try {
      return toSlaPolicyView(await policies.insert(this.db, values));
    } catch (error) {
      if (isUniqueViolation(error, SLA_PRIORITY_KEY)) throw errors.slaPolicyPriorityTaken(input.priority);
      throw error;
    }
  }

  async list(caller: Caller): Promise<SlaPolicyView[]> {
    await checkStaff(caller);
    return (await policies.list(this.db)).map(toSlaPolicyView);
  }

  async get(caller: Caller, id: number): Promise<SlaPolicyView> {
    await checkStaff(caller);
    const row = await policies.findById(this.db, id);
    if (!row) throw errors.slaPolicyNotFound();
    return toSlaPolicyView(row);
  }

  async update(caller: Caller, id: number, input: UpdateSlaPolicy): Promise<SlaPolicyView> {
    await checkAdmin(caller);
    const current = await policies.findById(this.db, id);
    if (!current) throw errors.slaPolicyNotFound();
    const changes: Partial<NewSlaPolicy> = {};
    if (input.name !== undefined) changes.name = input.name.trim();
    if (input.priority !== undefined) changes.priority = input.priority;
    if (input.first_response_minutes !== undefined) changes.firstResponseMinutes = input.first_response_minutes;
    if (input.resolution_minutes !== undefined) changes.resolutionMinutes = input.resolution_minutes;
    if (input.business_hours !== undefined) changes.businessHours = input.business_hours;
    checkPolicy({ ...current, ...changes });
    try {
      const row = await policies.update(this.db, id, changes);
      if (!row) throw errors.slaPolicyNotFound();
      return toSlaPolicyView(row);
    } catch (error) {
      if (isUniqueViolation(error, SLA_PRIORITY_KEY)) {
        throw errors.slaPolicyPriorityTaken(changes.priority ?? current.priority);
      }
      throw error;
    }
  }

  async delete(caller: Caller, id: number): Promise<void> {
    await checkAdmin(caller);
    const deleted = await this.db.transaction((tx) => policies.delete(tx, id));
    if (!deleted) throw errors.slaPolicyNotFound();
  }
}

/** What the schema could not say: a zone Intl knows, an end after the start, targets within a year of work. */
function checkPolicy(policy: Pick<NewSlaPolicy, 'firstResponseMinutes' | 'resolutionMinutes' | 'businessHours'>) {
  const hours: BusinessHours | null | undefined = policy.businessHours;
  if (!hours) return;
  const problems: { loc: (string | number)[]; msg: string }[] = problemsOf(hours).map(({ field, msg }) => ({
    loc: ['business_hours', field],
    msg,
  }));
  const most = MAX_BUSINESS_WEEKS * weeklyMinutes(hours);
  if (problems.length === 0) {
    for (const [field, minutes] of [
      ['first_response_minutes', policy.firstResponseMinutes],
      ['resolution_minutes', policy.resolutionMinutes],
    ] as const) {
      if (minutes > most) {
        problems.push({
          loc: [field],
          msg: `At most ${most} minutes: a year (${MAX_BUSINESS_WEEKS} weeks) of these business hours`,
        });
      }
    }
  }
  if (problems.length > 0) throw errors.badSlaPolicy(problems);
}

async function checkStaff(caller: Caller): Promise<void> {
  if (!isStaff(await caller.user())) throw errors.forbidden();
}

async function checkAdmin(caller: Caller): Promise<void> {
  if ((await caller.user()).role !== 'admin') throw errors.forbidden();
}
