import type { Message } from '../../api/client';
import type { Group, Outbox, TicketEvent, User } from './data';

/** One row of the timeline: a message (answer or note) or a compact line about a change. */
export type TimelineItem =
  | { kind: 'message'; key: string; at: string; message: Message; delivery: Outbox['status'] | null }
  | { kind: 'change'; key: string; at: string; text: string; link?: number; tone: 'plain' | 'alert' };

const LABELS: Record<string, string> = {
  open: 'open',
  in_progress: 'in progress',
  closed: 'closed',
  low: 'low',
  normal: 'normal',
  high: 'high',
  urgent: 'urgent',
  first_response: 'first response',
  resolution: 'resolution',
};

type Value = TicketEvent['changes'][string]['from'];

export interface Names {
  users: Map<number, string>;
  groups: Map<number, string>;
}

export function namesOf(staff: User[] | undefined, groups: Group[] | undefined): Names {
  return {
    users: new Map((staff ?? []).map((user) => [user.id, user.username])),
    groups: new Map((groups ?? []).map((group) => [group.id, group.name])),
  };
}

function shown(field: string, value: Value, names: Names): string {
  if (value === null) return field === 'operator_id' ? 'nobody' : 'none';
  if (Array.isArray(value)) return value.length > 0 ? value.join(', ') : 'none';
  if (typeof value === 'number') {
    if (field === 'operator_id') return names.users.get(value) ?? `user #${value}`;
    if (field === 'group_id') return names.groups.get(value) ?? `group #${value}`;
    return `#${value}`;
  }
  return LABELS[value] ?? value;
}

const FIELD_NAMES: Record<string, string> = {
  status: 'status',
  priority: 'priority',
  operator_id: 'assignee',
  group_id: 'group',
  tags: 'tags',
};

/** The compact lines one event stands for (none for the events that are messages). */
export function describeEvent(event: TicketEvent, names: Names): { text: string; link?: number; alert?: boolean }[] {
  const who = event.actor?.username ?? 'The system';
  switch (event.type) {
    case 'ticket.created':
      return [{ text: `${who} opened the ticket` }];
    case 'ticket.updated':
      return Object.entries(event.changes).map(([field, change]) => {
        if (field === 'tags') {
          const from = Array.isArray(change.from) ? change.from : [];
          const to = Array.isArray(change.to) ? change.to : [];
          const added = to.filter((tag) => !from.includes(tag));
          const removed = from.filter((tag) => !to.includes(tag));
          const parts = [
            added.length > 0 ? `added tag${added.length > 1 ? 's' : ''} ${added.join(', ')}` : '',
            removed.length > 0 ? `removed tag${removed.length > 1 ? 's' : ''} ${removed.join(', ')}` : '',
          ].filter(Boolean);
          return { text: `${who} ${parts.join(' and ') || 'changed the tags'}` };
        }
        if (field === 'operator_id') {
          return {
            text:
              change.to === null
                ? `${who} unassigned the ticket`
                : `${who} assigned the ticket to ${shown(field, change.to, names)}`,
          };
        }
        const name = FIELD_NAMES[field] ?? field;
        return {
          text: `${who} changed ${name} from ${shown(field, change.from, names)} to ${shown(field, change.to, names)}`,
        };
      });
    case 'ticket.merged': {
      const into = event.changes.merged_into_id?.to;
      const from = event.changes.merged_ticket_id?.to;
      if (typeof into === 'number') return [{ text: `${who} merged this ticket into #${into}`, link: into }];
      if (typeof from === 'number') return [{ text: `${who} merged ticket #${from} into this one`, link: from }];
      return [{ text: `${who} merged tickets` }];
    }
    case 'sla.breached': {
      const to = event.changes.breached?.to;
      const from = event.changes.breached?.from;
      const now = Array.isArray(to) ? to : [];
      const before = Array.isArray(from) ? from : [];
      const missed = now.filter((target) => !before.includes(target));
      const list = (missed.length > 0 ? missed : now).map((target) => LABELS[target] ?? target).join(' and ');
      return [{ text: `SLA breached: ${list || 'a target'} missed`, alert: true }];
    }
    default:
      // message.created, note.created, email.received, email.sent: shown on the message itself.
      return [];
  }
}

/**
 * The conversation and the history in one list, oldest first. Messages come from the messages API (their
 * text), changes from the events API; mail events are folded into their message (received by email, the
 * delivery state of the reply sent).
 */
export function mergeTimeline(
  messages: Message[],
  events: TicketEvent[],
  outbox: Outbox[],
  names: Names,
): TimelineItem[] {
  const delivery = new Map<number, Outbox['status']>();
  for (const row of outbox) {
    if (row.kind !== 'reply' || row.ticket_message_id === null) continue;
    const known = delivery.get(row.ticket_message_id);
    // One failed or pending copy of several is what the operator needs to see.
    if (known === undefined || known === 'sent') delivery.set(row.ticket_message_id, row.status);
  }
  for (const event of events) {
    if (event.type === 'email.sent' && event.message_id !== null && !delivery.has(event.message_id)) {
      delivery.set(event.message_id, 'sent');
    }
  }
  const items: TimelineItem[] = messages.map((message) => ({
    kind: 'message',
    key: `m${message.id}`,
    at: message.created_at,
    message,
    delivery: delivery.get(message.id) ?? null,
  }));
  for (const event of events) {
    describeEvent(event, names).forEach((line, index) => {
      items.push({
        kind: 'change',
        key: `e${event.id}.${index}`,
        at: event.created_at,
        text: line.text,
        ...(line.link !== undefined ? { link: line.link } : {}),
        tone: line.alert ? 'alert' : 'plain',
      });
    });
  }
  // Stable: equal times keep messages before the changes recorded with them.
  return items
    .map((item, index) => ({ item, index }))
    .sort((a, b) => a.item.at.localeCompare(b.item.at) || a.index - b.index)
    .map(({ item }) => item);
}
