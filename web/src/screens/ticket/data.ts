import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { useEffect } from 'react';
import { ApiError, api, detailOf, type paths } from '../../api/client';

type Json<T> = T extends { content: { 'application/json': infer B } } ? B : never;
type Get200<P extends keyof paths> = paths[P] extends { get: { responses: { 200: infer R } } } ? Json<R> : never;

export type TicketEvent = Get200<'/api/tickets/{ticket_id}/events'>['data'][number];
export type User = Get200<'/api/users'>['data'][number];
export type Group = Get200<'/api/groups'>['data'][number];
export type Outbox = Get200<'/api/mail/outbox'>['data'][number];
export type CannedResponse = Get200<'/api/canned-responses'>['data'][number];

/**
 * Every page of an oldest-first list, fetched one after the other in the background: the timeline merges
 * two such lists in time order, which needs both complete; what is *rendered* is paged (see Timeline).
 */
function useAllPages<T>(
  key: readonly unknown[],
  fetchPage: (cursor: string | undefined, signal: AbortSignal) => Promise<{ data: T[]; next: string | null }>,
) {
  const query = useInfiniteQuery({
    queryKey: key,
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam, signal }) => fetchPage(pageParam, signal),
    getNextPageParam: (page) => page.next ?? undefined,
  });
  const { hasNextPage, isFetchingNextPage, isFetching, fetchNextPage } = query;
  useEffect(() => {
    if (hasNextPage && !isFetchingNextPage && !isFetching) void fetchNextPage();
  }, [hasNextPage, isFetchingNextPage, isFetching, fetchNextPage]);
  return query;
}

export function useMessages(id: number) {
  return useAllPages(['messages', id], async (cursor, signal) => {
    const { data, error, response } = await api.GET('/api/tickets/{ticket_id}/messages', {
      params: { path: { ticket_id: id }, query: { limit: 100, ...(cursor ? { cursor } : {}) } },
      signal,
    });
    if (!data) throw new ApiError(response.status, detailOf(error, 'Could not load the conversation'));
    return { data: data.data, next: data.meta.next_cursor ?? null };
  });
}

export function useEvents(id: number) {
  return useAllPages(['events', id], async (cursor, signal) => {
    const { data, error, response } = await api.GET('/api/tickets/{ticket_id}/events', {
      params: { path: { ticket_id: id }, query: { limit: 200, ...(cursor ? { cursor } : {}) } },
      signal,
    });
    if (!data) throw new ApiError(response.status, detailOf(error, 'Could not load the history'));
    return { data: data.data, next: data.meta.next_cursor ?? null };
  });
}

/** The ticket's outgoing mail (delivery state of each emailed answer); the first 200 are plenty for a ticket. */
export function useOutbox(id: number) {
  return useQuery({
    queryKey: ['outbox', id],
    queryFn: async ({ signal }) => {
      const { data } = await api.GET('/api/mail/outbox', {
        params: { query: { ticket_id: id, limit: 200 } },
        signal,
      });
      return data?.data ?? [];
    },
  });
}

/** Operators and admins: who a ticket can be assigned to. */
export function useStaff() {
  return useQuery({
    queryKey: ['staff'],
    staleTime: 60_000,
    queryFn: async ({ signal }) => {
      const staff: User[] = [];
      for (const role of ['operator', 'admin'] as const) {
        let cursor: string | undefined;
        do {
          const { data } = await api.GET('/api/users', {
            params: { query: { role, limit: 200, ...(cursor ? { cursor } : {}) } },
            signal,
          });
          if (!data) break;
          staff.push(...data.data);
          cursor = data.meta.next_cursor ?? undefined;
        } while (cursor);
      }
      return staff.filter((user) => user.is_active).sort((a, b) => a.username.localeCompare(b.username));
    },
  });
}

export function useGroups() {
  return useQuery({
    queryKey: ['groups'],
    staleTime: 60_000,
    queryFn: async ({ signal }) => {
      const { data } = await api.GET('/api/groups', { signal });
      return data?.data ?? [];
    },
  });
}
