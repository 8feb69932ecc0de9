import type { Ticket } from '../../api/client';
import type { ListFilter } from '../../live';

/** A saved view of the inbox: a name and the list query it stands for. Groups add one view each. */
export interface InboxView {
  id: string;
  label: string;
  filter: Partial<ListFilter>;
}

/** "Open" in the inbox's sense: not closed (the API's `open` and `in_progress`). */
export const FIXED_VIEWS: InboxView[] = [
  { id: 'mine', label: 'My open tickets', filter: { assignee: 'me', notClosed: true } },
  { id: 'unassigned', label: 'Unassigned', filter: { assignee: 'none' } },
  { id: 'open', label: 'All open', filter: { notClosed: true } },
  { id: 'all', label: 'Everything', filter: {} },
  { id: 'breached', label: 'SLA breached', filter: { sla: 'breached' } },
];

export const DEFAULT_VIEW = 'open';

export function groupView(group: { id: number; name: string }): InboxView {
  return { id: `group-${group.id}`, label: group.name, filter: { group_id: String(group.id) } };
}

/** The URL's filters (`?view=…&status=…&priority=…&tag=…&group=…&assignee=…&sort=…`), so a reload keeps them. */
export interface UrlState {
  view: string;
  status: string;
  priority: string;
  tag: string;
  group: string;
  assignee: string;
  sort: string;
}

export const URL_KEYS: (keyof UrlState)[] = ['view', 'status', 'priority', 'tag', 'group', 'assignee', 'sort'];

export function readUrlState(search: URLSearchParams): UrlState {
  return {
    view: search.get('view') || DEFAULT_VIEW,
    status: search.get('status') ?? '',
    priority: search.get('priority') ?? '',
    tag: search.get('tag') ?? '',
    group: search.get('group') ?? '',
    assignee: search.get('assignee') ?? '',
    sort: search.get('sort') ?? '',
  };
}

export function urlOf(state: UrlState): string {
  const params = new URLSearchParams();
  for (const key of URL_KEYS) {
    const value = state[key];
    if (value !== '' && !(key === 'view' && value === DEFAULT_VIEW)) params.set(key, value);
  }
  const text = params.toString();
  return text ? `/?${text}` : '/';
}

/** The list query of a view with the filters on top: an explicit filter wins over the view's own. */
export function filterOf(view: InboxView | undefined, state: UrlState, q: string): ListFilter {
  const filter: ListFilter = { status: '', q, ...(view?.filter ?? {}) };
  if (state.status) {
    filter.status = state.status;
    delete filter.notClosed;
  }
  if (state.priority) filter.priority = state.priority;
  if (state.tag) filter.tag = state.tag;
  if (state.group) filter.group_id = state.group;
  if (state.assignee) {
    delete filter.assignee;
    delete filter.operator_id;
    if (state.assignee === 'me' || state.assignee === 'none') filter.assignee = state.assignee;
    else filter.operator_id = Number(state.assignee);
  }
  if (state.sort) filter.sort_by = state.sort;
  return filter;
}

/** Whether a ticket belongs in a list (for a ticket created while the list is open). */
export function belongs(filter: ListFilter, ticket: Ticket, myId: number | undefined): boolean {
  if (filter.q || filter.sla) return false;
  // A new ticket goes on top: right only where the newest come first.
  if (filter.sort_by && filter.sort_by !== 'created_at_desc' && filter.sort_by !== 'updated_at_desc') return false;
  if (filter.status && filter.status !== ticket.status) return false;
  if (filter.notClosed && ticket.status === 'closed') return false;
  if (filter.priority && filter.priority !== ticket.priority) return false;
  if (filter.tag && !ticket.tags.includes(filter.tag.trim().toLowerCase())) return false;
  if (filter.group_id && String(ticket.group?.id ?? 'none') !== filter.group_id) return false;
  if (filter.assignee === 'none' && ticket.operator) return false;
  if (filter.assignee === 'me' && ticket.operator?.id !== myId) return false;
  if (filter.operator_id && ticket.operator?.id !== filter.operator_id) return false;
  return true;
}

/**
 * The list an inbox address opens with, before the groups are loaded: a fixed view's (with the URL's
 * filters), or undefined for a group's view, which needs the groups first.
 */
export function firstFilterOf(search: URLSearchParams): ListFilter | undefined {
  const state = readUrlState(search);
  const view = FIXED_VIEWS.find((candidate) => candidate.id === state.view);
  return view ? filterOf(view, state, '') : undefined;
}
