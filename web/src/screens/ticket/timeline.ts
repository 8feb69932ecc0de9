import type { Message } from '../../api/client';
import type { MessageKey, Translate } from '../../i18n';
import type { Group, Outbox, TicketEvent, User } from './data';

/** One row of the timeline: a message (answer or note) or a compact line about a change. */
export type TimelineItem =
  | { kind: 'message'; key: string; at: string; message: Message; delivery: Outbox['status'] | null }
  | { kind: 'change'; key: string; at: string; text: string; link?: number; tone: 'plain' | 'alert' };

const LABELS: Record<string, MessageKey> = {
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
  /** The console's language, for the lines about changes. */
  t: Translate;
}

export function namesOf(staff: User[] | undefined, groups: Group[] | undefined, t: Translate): Names {
  return {
    t,
    users: new Map((staff ?? []).map((user) => [user.id, user.username])),
    groups: new Map((groups ?? []).map((group) => [group.id, group.name])),
  };
}

function shown(field: string, value: Value, names: Names): string {
  const { t } = names;
  if (value === null) return t(field === 'operator_id' ? 'nobody' : 'none');
  if (Array.isArray(value)) return value.length > 0 ? value.join(', ') : t('none');
  if (typeof value === 'number') {
    if (field === 'operator_id') return names.users.get(value) ?? t('user #{id}', { id: value });
    if (field === 'group_id') return names.groups.get(value) ?? t('group #{id}', { id: value });
    return `#${value}`;
  }
  const label = LABELS[value];
  return label ? t(label) : value;
}

const FIELD_NAMES: Record<string, MessageKey> = {
  status: 'status',
  priority: 'priority',
  operator_id: 'assignee',
  group_id: 'group',
  tags: 'tags',
};

/** The compact lines one event stands for (none for the events that are messages). */
export function describeEvent(event: TicketEvent, names: Names): { text: string; link?: number; alert?: boolean }[] {
  const { t } = names;
  const who = event.actor?.username ?? t('The system');
  switch (event.type) {
    case 'ticket.created':
      return [{ text: t('{who} opened the ticket', { who }) }];
    case 'ticket.updated':
      return Object.entries(event.changes).map(([field, change]) => {
        if (field === 'tags') {
          const from = Array.isArray(change.from) ? change.from : [];
          const to = Array.isArray(change.to) ? change.to : [];
          const added = to.filter((tag) => !from.includes(tag));
          const removed = from.filter((tag) => !to.includes(tag));
          const parts = [
            added.length > 0
              ? t(added.length > 1 ? 'added tags {tags}' : 'added tag {tags}', { tags: added.join(', ') })
              : '',
            removed.length > 0
              ? t(removed.length > 1 ? 'removed tags {tags}' : 'removed tag {tags}', { tags: removed.join(', ') })
              : '',
          ].filter(Boolean);
          return { text: `${who} ${parts.join(t(' and ')) || t('changed the tags')}` };
        }
        if (field === 'operator_id') {
          return {
            text:
              change.to === null
                ? t('{who} unassigned the ticket', { who })
                : t('{who} assigned the ticket to {name}', { who, name: shown(field, change.to, names) }),
          };
        }
        const fieldName = FIELD_NAMES[field];
        return {
          text: t('{who} changed {field} from {from} to {to}', {
            who,
            field: fieldName ? t(fieldName) : field,
            from: shown(field, change.from, names),
            to: shown(field, change.to, names),
          }),
        };
      });
    case 'ticket.merged': {
      const into = event.changes.merged_into_id?.to;
      const from = event.changes.merged_ticket_id?.to;
      if (typeof into === 'number')
        return [{ text: t('{who} merged this ticket into #{id}', { who, id: into }), link: into }];
      if (typeof from === 'number')
        return [{ text: t('{who} merged ticket #{id} into this one', { who, id: from }), link: from }];
      return [{ text: t('{who} merged tickets', { who }) }];
    }
    case 'sla.breached': {
      const to = event.changes.breached?.to;
      const from = event.changes.breached?.from;
      const now = Array.isArray(to) ? to : [];
      const before = Array.isArray(from) ? from : [];
      const missed = now.filter((target) => !before.includes(target));
      const list = (missed.length > 0 ? missed : now)
        .map((target) => {
          const label = LABELS[target];
          return label ? t(label) : target;
        })
        .join(t(' and '));
      return [{ text: t('SLA breached: {list} missed', { list: list || t('a target') }), alert: true }];
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
