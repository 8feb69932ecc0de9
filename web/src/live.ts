import { type InfiniteData, type QueryClient, useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import type { Me, Ticket, TicketPage } from './api/client';
import { belongs } from './screens/inbox/views';

/** A ticket list's query (the API's filters), plus `notClosed`: open and in progress, kept out of closed. */
export interface ListFilter {
  status: string;
  q: string;
  priority?: string;
  tag?: string;
  group_id?: string;
  assignee?: string;
  operator_id?: number;
  sla?: string;
  sort_by?: string;
  notClosed?: boolean;
}

interface LiveEvent {
  ticket_id: number;
  ticket?: Ticket;
}

const TICKET_EVENTS = ['ticket.created', 'ticket.updated', 'ticket.merged'];
const CONVERSATION_EVENTS = ['message.created', 'note.created', 'email.received', 'email.sent'];

/**
 * Live updates from `/api/events/stream` (EventSource sends no headers: the token goes in the query).
 * Lists change in place — a changed ticket is replaced where it is, a new one goes on top of the lists it
 * belongs to — so the scroll position and focus stay; an open conversation refetches its messages.
 */
export function useLiveEvents(token: string): void {
  const queryClient = useQueryClient();
  useEffect(() => {
    const source = new EventSource(`/api/events/stream?access_token=${encodeURIComponent(token)}`);
    // Whether the stream is open, for styles and for tests that wait for it (`html[data-live="open"]`).
    const root = document.documentElement;
    source.onopen = () => {
      root.dataset.live = 'open';
    };
    source.onerror = () => {
      root.dataset.live = 'connecting';
    };
    const onTicket = (message: MessageEvent<string>) => {
      const event = JSON.parse(message.data) as LiveEvent;
      if (event.ticket) applyTicket(queryClient, event.ticket, message.type === 'ticket.created');
      void queryClient.invalidateQueries({ queryKey: ['ticket', event.ticket_id] });
      // The ticket page's timeline (web-ticket): its history.
      void queryClient.invalidateQueries({ queryKey: ['events', event.ticket_id] });
    };
    const onConversation = (message: MessageEvent<string>) => {
      const event = JSON.parse(message.data) as LiveEvent;
      if (event.ticket) applyTicket(queryClient, event.ticket, false);
      void queryClient.invalidateQueries({ queryKey: ['messages', event.ticket_id] });
      // The ticket page's timeline (web-ticket): mail events and delivery states.
      void queryClient.invalidateQueries({ queryKey: ['events', event.ticket_id] });
      void queryClient.invalidateQueries({ queryKey: ['outbox', event.ticket_id] });
    };
    const onReset = () => void queryClient.invalidateQueries();
    for (const type of TICKET_EVENTS) source.addEventListener(type, onTicket);
    for (const type of CONVERSATION_EVENTS) source.addEventListener(type, onConversation);
    source.addEventListener('reset', onReset);
    return () => {
      source.close();
      delete root.dataset.live;
    };
  }, [token, queryClient]);
}

function applyTicket(queryClient: QueryClient, ticket: Ticket, created: boolean): void {
  const me = queryClient.getQueriesData<Me>({ queryKey: ['me'] }).find(([, data]) => data)?.[1];
  for (const [key, data] of queryClient.getQueriesData<InfiniteData<TicketPage>>({ queryKey: ['tickets'] })) {
    if (!data) continue;
    const filter = key[1] as ListFilter | undefined;
    const present = data.pages.some((page) => page.data.some((row) => row.id === ticket.id));
    if (present) {
      queryClient.setQueryData<InfiniteData<TicketPage>>(key, {
        ...data,
        pages: data.pages.map((page) => ({
          ...page,
          data: page.data.map((row) => (row.id === ticket.id ? ticket : row)),
        })),
      });
    } else if (created && filter && belongs(filter, ticket, me?.id)) {
      const [first, ...rest] = data.pages;
      if (!first) continue;
      queryClient.setQueryData<InfiniteData<TicketPage>>(key, {
        ...data,
        pages: [{ ...first, data: [ticket, ...first.data] }, ...rest],
      });
    }
  }
}
