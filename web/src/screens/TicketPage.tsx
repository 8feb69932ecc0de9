import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useRef, useState } from 'react';
import { Button, Label, Switch, TextArea, TextField } from 'react-aria-components';
import { ApiError, api, detailOf } from '../api/client';
import { useT } from '../i18n';
import { useTicketShortcuts } from '../keyboard/shortcuts';
import { followLink } from '../router';
import { newIdempotencyKey } from './idempotency';
import { STATUS_LABELS } from './TicketList';
import { CannedPicker } from './ticket/CannedPicker';
import { MergeDialog } from './ticket/MergeDialog';
import { SidePanel } from './ticket/SidePanel';
import { Timeline } from './ticket/Timeline';

function useTicket(id: number) {
  const t = useT();
  return useQuery({
    queryKey: ['ticket', id],
    queryFn: async ({ signal }) => {
      const { data, error, response } = await api.GET('/api/tickets/{ticket_id}', {
        params: { path: { ticket_id: id } },
        signal,
      });
      if (!data) throw new ApiError(response.status, detailOf(error, t('Could not load the ticket')));
      return { ticket: data.data, etag: response.headers.get('etag') };
    },
  });
}

export default function TicketPage({ id, staff }: { id: number; staff: boolean }) {
  const t = useT();
  const ticket = useTicket(id);
  useTicketShortcuts();
  if (ticket.isPending) return <p className="loading">{t('Loading…')}</p>;
  if (ticket.isError) return <p role="alert">{ticket.error.message}</p>;
  const { ticket: row, etag } = ticket.data;
  return (
    <div className="ticket-page">
      <div className="conversation-column">
        <p>
          <a href="/" onClick={(event) => followLink(event, '/')}>
            ← {t(staff ? 'Inbox' : 'My tickets')}
          </a>
        </p>
        <h1>{row.subject}</h1>
        <p className="meta">
          #{row.id} · <span className={`badge ${row.status}`}>{t(STATUS_LABELS[row.status])}</span> ·{' '}
          {row.creator.username}
          {row.merged_into_id !== null && (
            <>
              {' · '}
              <a
                href={`/tickets/${row.merged_into_id}`}
                onClick={(event) => followLink(event, `/tickets/${row.merged_into_id}`)}
              >
                {t('Merged into #{id}', { id: row.merged_into_id })}
              </a>
            </>
          )}
        </p>
        <p className="description">{row.description}</p>
        {staff ? <Timeline id={id} /> : <Conversation id={id} />}
        <Composer id={id} staff={staff} />
      </div>
      {staff && (
        <SidePanel
          ticket={row}
          etag={etag}
          actions={row.merged_into_id === null && <MergeDialog ticketId={row.id} />}
        />
      )}
    </div>
  );
}

function Conversation({ id }: { id: number }) {
  const t = useT();
  const messages = useInfiniteQuery({
    queryKey: ['messages', id],
    initialPageParam: undefined as string | undefined,
    queryFn: async ({ pageParam, signal }) => {
      const { data } = await api.GET('/api/tickets/{ticket_id}/messages', {
        params: { path: { ticket_id: id }, query: { limit: 100, ...(pageParam ? { cursor: pageParam } : {}) } },
        signal,
      });
      if (!data) throw new Error(t('Could not load the conversation'));
      return data;
    },
    getNextPageParam: (page) => page.meta.next_cursor ?? undefined,
  });
  if (messages.isPending) return <p className="loading">{t('Loading the conversation…')}</p>;
  if (messages.isError) return <p role="alert">{messages.error.message}</p>;
  const rows = messages.data.pages.flatMap((page) => page.data);
  return (
    <section aria-label={t('Conversation')}>
      <ol className="conversation">
        {rows.map((message) => (
          <li key={message.id} className={message.internal ? 'message note' : 'message'}>
            <div className="meta">
              <strong>{message.author.username}</strong>
              {message.internal && <span className="badge note-badge">{t('Internal note')}</span>}
              {message.channel === 'email' && <span className="badge">email</span>}
              <time dateTime={message.created_at}>{t.date(message.created_at)}</time>
            </div>
            <p>{message.text}</p>
          </li>
        ))}
      </ol>
      {messages.hasNextPage && (
        <Button onPress={() => void messages.fetchNextPage()} isDisabled={messages.isFetchingNextPage}>
          {t('Show later messages')}
        </Button>
      )}
    </section>
  );
}

interface Send {
  text: string;
  internal: boolean;
  key: string;
}

function Composer({ id, staff }: { id: number; staff: boolean }) {
  const t = useT();
  const queryClient = useQueryClient();
  const [text, setText] = useState('');
  const [internal, setInternal] = useState(false);
  const [cannedOpen, setCannedOpen] = useState(false);
  // The key of the send in progress or last failed: pressing Send again retries it with the same key.
  const pending = useRef<Send | null>(null);
  const send = useMutation({
    mutationFn: async (body: Send) => {
      const { data, error, response } = await api.POST('/api/tickets/{ticket_id}/messages', {
        params: { path: { ticket_id: id }, header: { 'idempotency-key': body.key } },
        body: { text: body.text, ...(staff ? { internal: body.internal } : {}) },
      });
      if (!data) throw new ApiError(response.status, detailOf(error, t('Not sent')));
      return data.data;
    },
    // A lost connection is retried (same key: posted once); an answer from the API is not.
    retry: (count, error) => count < 2 && !(error instanceof ApiError),
    onSuccess: () => {
      pending.current = null;
      setText('');
      void queryClient.invalidateQueries({ queryKey: ['messages', id] });
      void queryClient.invalidateQueries({ queryKey: ['ticket', id] });
      void queryClient.invalidateQueries({ queryKey: ['events', id] });
    },
  });

  function submit() {
    const trimmed = text.trim();
    if (trimmed === '' || send.isPending) return;
    const current = pending.current;
    const body =
      current && current.text === trimmed && current.internal === internal
        ? current
        : { text: trimmed, internal, key: newIdempotencyKey() };
    pending.current = body;
    send.mutate(body);
  }

  return (
    <form
      className="composer stack"
      onSubmit={(event) => {
        event.preventDefault();
        submit();
      }}
    >
      <TextField value={text} onChange={setText} className={internal ? 'note' : undefined}>
        <Label>{t('Reply')}</Label>
        <TextArea
          rows={4}
          onKeyDown={(event) => {
            if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
              event.preventDefault();
              submit();
            } else if (staff && event.key === '/' && text === '' && !event.ctrlKey && !event.metaKey) {
              // `/` at the start of the reply opens the canned responses, its search taking what follows.
              event.preventDefault();
              setCannedOpen(true);
            }
          }}
        />
      </TextField>
      <div className="row">
        {staff && (
          <Switch isSelected={internal} onChange={setInternal} className="switch">
            <span className="indicator" aria-hidden="true" />
            {t('Internal note')}
          </Switch>
        )}
        {staff && (
          <CannedPicker
            ticketId={id}
            isOpen={cannedOpen}
            onOpenChange={setCannedOpen}
            onInsert={(inserted) =>
              setText((current) => (current.trim() === '' ? inserted : `${current}\n${inserted}`))
            }
          />
        )}
        <span className="hint">
          {t('Ctrl+Enter sends')}
          {staff ? ` · ${t('/ canned responses')}` : ''}
        </span>
        <Button type="submit" className="primary" isDisabled={send.isPending}>
          {t('Send')}
        </Button>
      </div>
      {send.isError && (
        <p role="alert">
          {send.error instanceof ApiError ? send.error.message : t('Not sent: the connection failed.')}{' '}
          {t('Press Send to try again.')}
        </p>
      )}
    </form>
  );
}
