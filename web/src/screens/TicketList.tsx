import { useInfiniteQuery } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { Button } from 'react-aria-components';
import { api, type Ticket } from '../api/client';
import type { ListFilter } from '../live';
import { followLink } from '../router';

export const STATUS_LABELS: Record<Ticket['status'], string> = {
  open: 'Open',
  in_progress: 'In progress',
  closed: 'Closed',
};

/** Tickets, newest first, a page at a time (keyset cursor): the next page loads as the end scrolls into view. */
export function TicketList({ filter, label }: { filter: ListFilter; label: string }) {
  const tickets = useInfiniteQuery({
    queryKey: ['tickets', filter],
    initialPageParam: undefined as string | undefined,
    queryFn: async ({ pageParam, signal }) => {
      const query = {
        limit: 50,
        ...(pageParam ? { cursor: pageParam } : {}),
        ...(filter.status ? { status: filter.status as Ticket['status'] } : {}),
        ...(filter.q ? { q: filter.q } : {}),
      };
      const { data, error } = await api.GET('/api/tickets', { params: { query }, signal });
      if (!data) throw new Error(error ? 'Could not load tickets' : 'No answer');
      return data;
    },
    getNextPageParam: (page) => page.meta.next_cursor ?? undefined,
  });

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

  if (tickets.isPending) return <p className="loading">Loading tickets…</p>;
  if (tickets.isError) return <p role="alert">{tickets.error.message}</p>;
  const rows = tickets.data.pages.flatMap((page) => page.data);
  return (
    <section aria-label={label}>
      {rows.length === 0 ? (
        <p>No tickets.</p>
      ) : (
        <ul className="tickets">
          {rows.map((ticket) => (
            <li key={ticket.id}>
              <a href={`/tickets/${ticket.id}`} onClick={(event) => followLink(event, `/tickets/${ticket.id}`)}>
                {ticket.subject}
              </a>
              <span className="meta">
                <span className={`badge ${ticket.status}`}>{STATUS_LABELS[ticket.status]}</span>
                <span className={`badge prio-${ticket.priority}`}>{ticket.priority}</span>
                <span>#{ticket.id}</span>
                <span>{ticket.creator.username}</span>
                <time dateTime={ticket.updated_at}>{new Date(ticket.updated_at).toLocaleString()}</time>
              </span>
            </li>
          ))}
        </ul>
      )}
      <div ref={end} />
      {hasNextPage && (
        <Button onPress={() => void fetchNextPage()} isDisabled={isFetchingNextPage}>
          Load more
        </Button>
      )}
    </section>
  );
}
