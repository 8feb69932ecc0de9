import { useQuery } from '@tanstack/react-query';
import { lazy, Suspense, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Button, Input, Label, SearchField, TextField } from 'react-aria-components';
import { api, type Ticket } from '../api/client';
import { useT } from '../i18n';
import { useShortcuts } from '../keyboard/shortcuts';
import { followLink, navigate, useLocation } from '../router';
import { FIXED_VIEWS, filterOf, groupView, readUrlState, type UrlState, urlOf } from './inbox/views';
import { OptionSelect, PRIORITY_OPTIONS, StatusSelect } from './StatusSelect';
import { TicketList } from './TicketList';

// Only loaded when used: the inbox's first load stays within its JavaScript budget.
const BulkBar = lazy(() => import('./inbox/BulkBar'));
const ShortcutsDialog = lazy(() => import('./inbox/ShortcutsDialog'));

const ENTER = 'Enter';

const SORT_OPTIONS = [
  { id: 'created_at_desc', label: 'Newest first' },
  { id: 'created_at_asc', label: 'Oldest first' },
  { id: 'updated_at_desc', label: 'Recently updated' },
  { id: 'updated_at_asc', label: 'Least recently updated' },
  { id: 'priority_desc', label: 'Priority' },
  { id: 'relevance', label: 'Relevance (search)' },
];

export interface Person {
  id: number;
  username: string;
}

/** Staff who can be assigned (operators and admins), for the assignee filter and the bulk bar. */
export function useStaff() {
  return useQuery({
    queryKey: ['staff'],
    staleTime: 60_000,
    queryFn: async ({ signal }) => {
      const people: Person[] = [];
      for (const role of ['operator', 'admin'] as const) {
        const { data } = await api.GET('/api/users', { params: { query: { role, limit: 200 } }, signal });
        for (const user of data?.data ?? []) if (user.is_active) people.push({ id: user.id, username: user.username });
      }
      return people.sort((a, b) => a.username.localeCompare(b.username));
    },
  });
}

function useGroups() {
  return useQuery({
    queryKey: ['groups'],
    staleTime: 60_000,
    queryFn: async ({ signal }) => {
      const { data } = await api.GET('/api/groups', { signal });
      return data?.data ?? [];
    },
  });
}

export function Inbox() {
  const t = useT();
  const { search } = useLocation();
  const state = readUrlState(search);
  const groups = useGroups();
  const staff = useStaff();
  const views = useMemo(() => [...FIXED_VIEWS, ...(groups.data ?? []).map(groupView)], [groups.data]);
  const view = views.find((candidate) => candidate.id === state.view);

  const [text, setText] = useState('');
  const [q, setQ] = useState('');
  // Search as you type, once typing pauses: one request, not one per key.
  useEffect(() => {
    const timer = setTimeout(() => setQ(text.trim()), 300);
    return () => clearTimeout(timer);
  }, [text]);

  const filterKey = JSON.stringify(filterOf(view, state, q));
  const filter = useMemo(() => JSON.parse(filterKey) as ReturnType<typeof filterOf>, [filterKey]);
  const setUrl = (changes: Partial<UrlState>) => navigate(urlOf({ ...state, ...changes }), { replace: true });

  // The loaded rows, the checked tickets and the keyboard's current one, by id: live updates keep them.
  const [rows, setRows] = useState<Ticket[]>([]);
  const [selected, setSelected] = useState<ReadonlySet<number>>(new Set());
  const [activeId, setActiveId] = useState<number | null>(null);
  const [showShortcuts, setShowShortcuts] = useState(false);
  // Small screens show the list first: the filters fold behind a button (wide screens always show them).
  const [filtersOpen, setFiltersOpen] = useState(false);
  const searchBox = useRef<HTMLInputElement>(null);
  // Another list: a bulk action must not reach tickets checked in the list left behind.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs when the list's filter changes
  useEffect(() => {
    setSelected(new Set());
    setActiveId(null);
  }, [filterKey]);

  const onToggle = useCallback((id: number, on: boolean) => {
    setSelected((previous) => {
      const next = new Set(previous);
      if (on) next.add(id);
      else next.delete(id);
      return next;
    });
  }, []);

  function move(step: number): boolean {
    if (rows.length === 0) return true;
    const index = rows.findIndex((row) => row.id === activeId);
    const nextIndex =
      index === -1 ? (step > 0 ? 0 : rows.length - 1) : Math.min(rows.length - 1, Math.max(0, index + step));
    const next = rows[nextIndex];
    if (!next) return true;
    setActiveId(next.id);
    const link = document.querySelector<HTMLAnchorElement>(`a[data-ticket-id="${next.id}"]`);
    link?.focus();
    link?.scrollIntoView({ block: 'nearest' });
    return true;
  }

  useShortcuts({
    j: () => move(1),
    k: () => move(-1),
    [ENTER]: (event) => {
      // A focused link or button does its own thing with Enter.
      if (event.target instanceof HTMLAnchorElement || event.target instanceof HTMLButtonElement) return false;
      if (activeId === null) return false;
      navigate(`/tickets/${activeId}`);
      return true;
    },
    '/': () => {
      searchBox.current?.focus();
      return true;
    },
    '?': () => {
      setShowShortcuts(true);
      return true;
    },
  });

  const loadedIds = rows.map((row) => row.id);
  const allLoaded = loadedIds.length > 0 && loadedIds.every((id) => selected.has(id));
  const selectedIds = [...selected];

  return (
    <div className="inbox">
      <nav aria-label={t('Views')} className="views">
        <ul>
          {views.map((candidate) => {
            const href = urlOf({ ...state, view: candidate.id });
            return (
              <li key={candidate.id}>
                <a
                  href={href}
                  aria-current={candidate.id === state.view ? 'page' : undefined}
                  onClick={(event) => {
                    followLink(event, href);
                    setActiveId(null);
                  }}
                >
                  {t.text(candidate.label)}
                </a>
              </li>
            );
          })}
        </ul>
      </nav>
      <div className="inbox-main">
        <div className="row">
          <h1>{t('Inbox')}</h1>
          <span className="view-name">{view ? t.text(view.label) : ''}</span>
          <Button className="quiet shortcuts-button" onPress={() => setShowShortcuts(true)}>
            {t('Keyboard shortcuts')}
          </Button>
          <Button
            className="quiet filters-toggle"
            aria-expanded={filtersOpen}
            aria-controls="inbox-filters"
            onPress={() => setFiltersOpen((open) => !open)}
          >
            {t('Filters')}
          </Button>
        </div>
        <div id="inbox-filters" className={filtersOpen ? 'filters' : 'filters folded'}>
          <StatusSelect
            label={t('Status filter')}
            value={state.status}
            onChange={(status) => setUrl({ status })}
            allowAll
          />
          <OptionSelect
            label={t('Priority filter')}
            options={[{ id: 'all', label: 'All' }, ...PRIORITY_OPTIONS]}
            value={state.priority || 'all'}
            onChange={(value) => setUrl({ priority: value === 'all' ? '' : value })}
          />
          <OptionSelect
            label={t('Group filter')}
            options={[
              { id: 'all', label: 'All' },
              { id: 'none', label: 'No group' },
              ...(groups.data ?? []).map((group) => ({ id: String(group.id), label: group.name })),
            ]}
            value={state.group || 'all'}
            onChange={(value) => setUrl({ group: value === 'all' ? '' : value })}
          />
          <OptionSelect
            label={t('Assignee filter')}
            options={[
              { id: 'all', label: 'Anyone' },
              { id: 'me', label: 'Me' },
              { id: 'none', label: 'Unassigned' },
              ...(staff.data ?? []).map((person) => ({ id: String(person.id), label: person.username })),
            ]}
            value={state.assignee || 'all'}
            onChange={(value) => setUrl({ assignee: value === 'all' ? '' : value })}
          />
          <TagFilter value={state.tag} onChange={(tag) => setUrl({ tag })} />
          <OptionSelect
            label={t('Sort')}
            options={SORT_OPTIONS}
            value={state.sort || 'created_at_desc'}
            onChange={(value) => setUrl({ sort: value === 'created_at_desc' ? '' : value })}
          />
          <SearchField value={text} onChange={setText} onSubmit={(value) => setQ(value.trim())}>
            <Label>{t('Search')}</Label>
            <Input ref={searchBox} />
          </SearchField>
        </div>
        <div className="row select-all">
          <label>
            <input
              type="checkbox"
              checked={allLoaded}
              disabled={loadedIds.length === 0}
              onChange={(event) =>
                setSelected(event.currentTarget.checked ? new Set([...selected, ...loadedIds]) : new Set())
              }
            />{' '}
            {t('Select all loaded')}
          </label>
          {selectedIds.length > 0 && <span>{t.plural('{count} selected', selectedIds.length)}</span>}
        </div>
        {selectedIds.length > 0 && (
          <Suspense fallback={<p className="loading">{t('Loading…')}</p>}>
            <BulkBar ids={selectedIds} staff={staff.data ?? []} onDone={() => setSelected(new Set())} />
          </Suspense>
        )}
        <TicketList
          filter={filter}
          label={t('Tickets')}
          selection={{ selected, onToggle, activeId, onRows: setRows }}
        />
      </div>
      {showShortcuts && (
        <Suspense fallback={null}>
          <ShortcutsDialog onClose={() => setShowShortcuts(false)} />
        </Suspense>
      )}
    </div>
  );
}

/** The tag filter applies on Enter or when the field is left (not per key). */
function TagFilter({ value, onChange }: { value: string; onChange: (tag: string) => void }) {
  const [draft, setDraft] = useState(value);
  const t = useT();
  useEffect(() => setDraft(value), [value]);
  const apply = () => draft.trim() !== value && onChange(draft.trim());
  return (
    <TextField value={draft} onChange={setDraft} className="react-aria-TextField tag-filter">
      <Label>{t('Tag filter')}</Label>
      <Input
        onBlur={apply}
        onKeyDown={(event) => {
          if (event.key === 'Enter') apply();
        }}
      />
    </TextField>
  );
}
