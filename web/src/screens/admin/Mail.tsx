import { useQuery } from '@tanstack/react-query';
import { api } from '../../api/client';
import { ErrorText, unwrap, when } from './common';

export function Mail() {
  const mailboxes = useQuery({
    queryKey: ['admin', 'mail', 'mailboxes'],
    queryFn: async () => unwrap(await api.GET('/api/mail/mailboxes'), 'Could not load the mailboxes').data,
    refetchInterval: 5_000,
  });
  const log = useQuery({
    queryKey: ['admin', 'mail', 'log'],
    queryFn: async () =>
      unwrap(await api.GET('/api/mail/log', { params: { query: { limit: 50 } } }), 'Could not load the mail log').data,
  });
  const outbox = useQuery({
    queryKey: ['admin', 'mail', 'outbox'],
    queryFn: async () =>
      unwrap(await api.GET('/api/mail/outbox', { params: { query: { limit: 50 } } }), 'Could not load the outbox').data,
  });
  return (
    <>
      <section className="stack" aria-labelledby="mailboxes-title">
        <h2 id="mailboxes-title">Mailboxes</h2>
        <ErrorText error={mailboxes.error} />
        {mailboxes.data?.length === 0 && <p>No mailbox is configured.</p>}
        {(mailboxes.data?.length ?? 0) > 0 && (
          <table className="admin-table">
            <caption className="sr-only">Mailboxes</caption>
            <thead>
              <tr>
                <th scope="col">Mailbox</th>
                <th scope="col">Connected</th>
                <th scope="col">Last alive</th>
                <th scope="col">Last success</th>
                <th scope="col">Errors in a row</th>
                <th scope="col">Last error</th>
              </tr>
            </thead>
            <tbody>
              {(mailboxes.data ?? []).map((mailbox) => (
                <tr key={mailbox.mailbox}>
                  <th scope="row">{mailbox.mailbox}</th>
                  <td>
                    <span className={`badge ${mailbox.connected ? 'open' : 'closed'}`}>
                      {mailbox.connected ? 'Connected' : 'Not connected'}
                    </span>
                  </td>
                  <td>{when(mailbox.last_alive_at)}</td>
                  <td>{when(mailbox.last_success_at)}</td>
                  <td>{mailbox.consecutive_errors}</td>
                  <td className="clip">{mailbox.last_error ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section className="stack" aria-labelledby="mail-log-title">
        <h2 id="mail-log-title">Mail log</h2>
        <ErrorText error={log.error} />
        {log.data?.length === 0 && <p>No mail yet.</p>}
        {(log.data?.length ?? 0) > 0 && (
          <table className="admin-table">
            <caption className="sr-only">Mail log</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Direction</th>
                <th scope="col">From</th>
                <th scope="col">To</th>
                <th scope="col">Subject</th>
                <th scope="col">Outcome</th>
                <th scope="col">Ticket</th>
              </tr>
            </thead>
            <tbody>
              {(log.data ?? []).map((entry) => (
                <tr key={entry.id}>
                  <th scope="row">{when(entry.created_at)}</th>
                  <td>{entry.direction}</td>
                  <td>{entry.from ?? '—'}</td>
                  <td>{entry.to ?? '—'}</td>
                  <td className="clip">{entry.subject}</td>
                  <td>
                    {entry.outcome}
                    {entry.reason ? ` (${entry.reason})` : ''}
                  </td>
                  <td>{entry.ticket_id ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section className="stack" aria-labelledby="outbox-title">
        <h2 id="outbox-title">Outbox</h2>
        <ErrorText error={outbox.error} />
        {outbox.data?.length === 0 && <p>Nothing sent yet.</p>}
        {(outbox.data?.length ?? 0) > 0 && (
          <table className="admin-table">
            <caption className="sr-only">Outbox</caption>
            <thead>
              <tr>
                <th scope="col">Created</th>
                <th scope="col">Kind</th>
                <th scope="col">To</th>
                <th scope="col">Subject</th>
                <th scope="col">Status</th>
                <th scope="col">Attempts</th>
                <th scope="col">Last error</th>
              </tr>
            </thead>
            <tbody>
              {(outbox.data ?? []).map((entry) => (
                <tr key={entry.id}>
                  <th scope="row">{when(entry.created_at)}</th>
                  <td>{entry.kind}</td>
                  <td>{entry.to}</td>
                  <td className="clip">{entry.subject}</td>
                  <td>{entry.status}</td>
                  <td>{entry.attempts}</td>
                  <td className="clip">{entry.last_error ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </>
  );
}
