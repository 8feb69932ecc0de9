import type { TicketEventChanges, TicketFieldValue, TicketPriority, TicketRow, TicketStatus } from '../db/schema.js';
import { errors } from '../lib/errors.js';
import { MAX_TAGS, normalizeTags } from './tags.js';
import type { TicketChanges } from './ticket-repository.js';

/** What a PATCH (one ticket or many) may ask of a ticket, in the API's names. */
export interface TicketChangeRequest {
  status?: TicketStatus;
  operator_id?: number | null;
  priority?: TicketPriority;
  tags?: string[];
  group_id?: number | null;
  add_tags?: string[];
  remove_tags?: string[];
}

/** Fields only staff may change (the operator has its own rule and message). */
export const TRIAGE_FIELDS = ['priority', 'tags', 'group_id', 'add_tags', 'remove_tags'] as const;

export const asksForTriage = (request: TicketChangeRequest): boolean =>
  TRIAGE_FIELDS.some((field) => request[field] !== undefined);

/**
 * The tags after a request: `tags` replaces the set, then `add_tags` and `remove_tags` apply to it. Applied
 * to the row as read under its lock, so two operators adding a tag each at once both keep theirs.
 */
export function tagsAfter(current: readonly string[], request: TicketChangeRequest): string[] {
  const base = request.tags ?? current;
  const removed = new Set(normalizeTags(request.remove_tags ?? []));
  const next = normalizeTags([...base, ...(request.add_tags ?? [])]).filter((tag) => !removed.has(tag));
  if (next.length > MAX_TAGS) throw errors.tooManyTags(MAX_TAGS, request.add_tags ? 'add_tags' : 'tags');
  return next;
}

const sameValue = (a: TicketFieldValue, b: TicketFieldValue) =>
  Array.isArray(a) && Array.isArray(b) ? a.length === b.length && a.every((v, i) => v === b[i]) : a === b;

/**
 * What a request really changes on `ticket`: the columns to write and the `{field: {from, to}}` of its
 * `ticket.updated` event. A field set to the value it has is no change: it writes nothing and records nothing.
 */
export function changesOf(
  ticket: Pick<TicketRow, 'status' | 'operatorId' | 'priority' | 'tags' | 'groupId'>,
  request: TicketChangeRequest,
): { columns: TicketChanges; recorded: TicketEventChanges } {
  const columns: TicketChanges = {};
  const recorded: TicketEventChanges = {};
  const changed = (field: string, from: TicketFieldValue, to: TicketFieldValue): boolean => {
    if (sameValue(from, to)) return false;
    recorded[field] = { from, to };
    return true;
  };
  const { status, operator_id: operatorId, priority, group_id: groupId } = request;
  if (status !== undefined && changed('status', ticket.status, status)) columns.status = status;
  if (operatorId !== undefined && changed('operator_id', ticket.operatorId, operatorId))
    columns.operatorId = operatorId;
  if (priority !== undefined && changed('priority', ticket.priority, priority)) columns.priority = priority;
  if (request.tags !== undefined || request.add_tags !== undefined || request.remove_tags !== undefined) {
    const tags = tagsAfter(ticket.tags, request);
    if (changed('tags', ticket.tags, tags)) columns.tags = tags;
  }
  if (groupId !== undefined && changed('group_id', ticket.groupId, groupId)) columns.groupId = groupId;
  return { columns, recorded };
}
