import { infiniteQueryOptions, type QueryClient, useInfiniteQuery } from '@tanstack/react-query';
import { useEffect, useMemo, useRef } from 'react';
import { Button } from 'react-aria-components';
import { api, type paths, type Ticket } from '../api/client';
import { type MessageKey, useT } from '../i18n';
import type { ListFilter } from '../live';
import { followLink } from '../router';

export const STATUS_LABELS: Record<Ticket['status'], MessageKey> = {
  open: 'Open',
  in_progress: 'In progress',
  closed: 'Closed',
};

/** The portal's list: a customer's own tickets, every status. */
export const OWN_TICKETS: ListFilter = { status: '', q: '' };

type TicketQuery = NonNullable<paths['/api/tickets']['get']['parameters']['query']>;

/** The API's query for a list filter (`notClosed` is applied to the rows, the API has one status at a time). */
function queryOf(filter: ListFilter, cursor: string | undefined): TicketQuery {
  return {
    limit: 50,
    ...(cursor ? { cursor } : {}),
    ...(filter.status ? { status: filter.status as Ticket['status'] } : {}),
    ...(filter.q ? { q: filter.q } : {}),
    ...(filter.priority ? { priority: filter.priority as Ticket['priority'] } : {}),
    ...(filter.tag ? { tag: filter.tag } : {}),
    ...(filter.group_id ? { group_id: filter.group_id } : {}),
    ...(filter.assignee ? { assignee: filter.assignee as 'me' | 'none' } : {}),
    ...(filter.operator_id ? { operator_id: filter.operator_id } : {}),
    ...(filter.sla ? { sla: filter.sla } : {}),
    ...(filter.sort_by ? { sort_by: filter.sort_by as NonNullable<TicketQuery['sort_by']> } : {}),
  };
}

/**
 * A list's query, one definition for the list and for `prefetchTicketList`: the same key and the same
 * fetch, so a prefetched first page is the page the list shows. `t` words the errors.
 */
function ticketListQuery(filter: ListFilter, t: (key: MessageKey) => string) {
  return infiniteQueryOptions({
    queryKey: ['tickets', filter],
    initialPageParam: undefined as string | undefined,
    queryFn: async ({ pageParam, signal }) => {
      const { data, error } = await api.GET('/api/tickets', { params: { query: queryOf(filter, pageParam) }, signal });
      if (!data) throw new Error(t(error ? 'Could not load tickets' : 'No answer'));
      return filter.notClosed ? { ...data, data: data.data.filter((row) => row.status !== 'closed') } : data;
    },
    getNextPageParam: (page) => page.meta.next_cursor ?? undefined,
  });
}

/**
 * Starts loading a list's first page before its screen is rendered: the sign-in and a reload fetch the
 * account (`/api/users/me`) first and choose the screen from its role, and the list would wait for that.
 */
export function prefetchTicketList(queryClient: QueryClient, filter: ListFilter, t: (key: MessageKey) => string): void {
  void queryClient.prefetchInfiniteQuery(ticketListQuery(filter, t));
}

/** Selection and the keyboard's current row, for the operators' inbox (the portal's list has neither). */
export interface ListSelection {
  selected: ReadonlySet<number>;
  onToggle: (id: number, on: boolean) => void;
  activeId: number | null;
  onRows: (rows: Ticket[]) => void;
}

/** Tickets, newest first, a page at a time (keyset cursor): the next page loads as the end scrolls into view. */
export function TicketList({
  filter,
  label,
  selection,
}: {
  filter: ListFilter;
  label: string;
  selection?: ListSelection;
}) {
  const t = useT();
  const tickets = useInfiniteQuery(ticketListQuery(filter, t));

  const end = useRef<HTMLDivElement>(null);
  const { hasNextPage, isFetchingNextPage, fetchNextPage } = tickets;
  useEffect(() => {
    const element = end.current;
    if (!element || !hasNextPage) return;
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((entry) => entry.isIntersecting) && !isFetchingNextPage) void fetchNextPage();
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, [hasNextPage, isFetchingNextPage, fetchNextPage]);

  const pages = tickets.data?.pages;
  const rows = useMemo(() => pages?.flatMap((page) => page.data), [pages]);
  const onRows = selection?.onRows;
  useEffect(() => {
    if (onRows) onRows(rows ?? []);
  }, [rows, onRows]);

  if (tickets.isPending) return <p className="loading">{t('Loading tickets…')}</p>;
  if (tickets.isError) return <p role="alert">{tickets.error.message}</p>;
  return (
    <section aria-label={label}>
      {!rows || rows.length === 0 ? (
        <p>{t('No tickets.')}</p>
      ) : (
        <ul className="tickets">
          {rows.map((ticket) => (
            <li
              key={ticket.id}
              className={selection?.activeId === ticket.id ? 'active' : undefined}
              aria-current={selection?.activeId === ticket.id ? 'true' : undefined}
            >
              <span className="subject-line">
                {selection && (
                  <input
                    type="checkbox"
                    aria-label={t('Select {subject}', { subject: ticket.subject })}
                    checked={selection.selected.has(ticket.id)}
                    onChange={(event) => selection.onToggle(ticket.id, event.currentTarget.checked)}
                  />
                )}
                <a
                  href={`/tickets/${ticket.id}`}
                  data-ticket-id={ticket.id}
                  onClick={(event) => followLink(event, `/tickets/${ticket.id}`)}
                >
                  {ticket.subject}
                </a>
              </span>
              <span className="meta">
                <span className={`badge ${ticket.status}`}>{t(STATUS_LABELS[ticket.status])}</span>
                <span className={`badge prio-${ticket.priority}`}>{t(ticket.priority)}</span>
                <span>#{ticket.id}</span>
                <span>{ticket.creator.username}</span>
                {ticket.operator && <span>→ {ticket.operator.username}</span>}
                {ticket.group && <span>{ticket.group.name}</span>}
                {ticket.tags.map((tag) => (
                  <span key={tag} className="tag">
                    {tag}
                  </span>
                ))}
                <time dateTime={ticket.updated_at}>{t.date(ticket.updated_at)}</time>
              </span>
            </li>
          ))}
        </ul>
      )}
      <div ref={end} />
      {hasNextPage && (
        <Button onPress={() => void fetchNextPage()} isDisabled={isFetchingNextPage}>
          {t('Load more')}
        </Button>
      )}
    </section>
  );
}
