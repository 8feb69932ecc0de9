import { useQuery } from '@tanstack/react-query';
import { api } from '../../api/client';
import { useT } from '../../i18n';
import { ErrorText, unwrap, when } from './common';

export function Mail() {
  const t = useT();
  const mailboxes = useQuery({
    queryKey: ['admin', 'mail', 'mailboxes'],
    queryFn: async () => unwrap(await api.GET('/api/mail/mailboxes'), t('Could not load the mailboxes')).data,
    refetchInterval: 5_000,
  });
  const log = useQuery({
    queryKey: ['admin', 'mail', 'log'],
    queryFn: async () =>
      unwrap(await api.GET('/api/mail/log', { params: { query: { limit: 50 } } }), t('Could not load the mail log'))
        .data,
  });
  const outbox = useQuery({
    queryKey: ['admin', 'mail', 'outbox'],
    queryFn: async () =>
      unwrap(await api.GET('/api/mail/outbox', { params: { query: { limit: 50 } } }), t('Could not load the outbox'))
        .data,
  });
  return (
    <>
      <section className="stack" aria-labelledby="mailboxes-title">
        <h2 id="mailboxes-title">{t('Mailboxes')}</h2>
        <ErrorText error={mailboxes.error} />
        {mailboxes.data?.length === 0 && <p>{t('No mailbox is configured.')}</p>}
        {(mailboxes.data?.length ?? 0) > 0 && (
          <table className="admin-table">
            <caption className="sr-only">{t('Mailboxes')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('Mailbox')}</th>
                <th scope="col">{t('Connected')}</th>
                <th scope="col">{t('Last alive')}</th>
                <th scope="col">{t('Last success')}</th>
                <th scope="col">{t('Errors in a row')}</th>
                <th scope="col">{t('Last error')}</th>
              </tr>
            </thead>
            <tbody>
              {(mailboxes.data ?? []).map((mailbox) => (
                <tr key={mailbox.mailbox}>
                  <th scope="row">{mailbox.mailbox}</th>
                  <td>
                    <span className={`badge ${mailbox.connected ? 'open' : 'closed'}`}>
                      {t(mailbox.connected ? 'Connected' : 'Not connected')}
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
        <h2 id="mail-log-title">{t('Mail log')}</h2>
        <ErrorText error={log.error} />
        {log.data?.length === 0 && <p>{t('No mail yet.')}</p>}
        {(log.data?.length ?? 0) > 0 && (
          <table className="admin-table">
            <caption className="sr-only">{t('Mail log')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('When')}</th>
                <th scope="col">{t('Direction')}</th>
                <th scope="col">{t('From')}</th>
                <th scope="col">{t('To')}</th>
                <th scope="col">{t('Subject')}</th>
                <th scope="col">{t('Outcome')}</th>
                <th scope="col">{t('Ticket')}</th>
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
        <h2 id="outbox-title">{t('Outbox')}</h2>
        <ErrorText error={outbox.error} />
        {outbox.data?.length === 0 && <p>{t('Nothing sent yet.')}</p>}
        {(outbox.data?.length ?? 0) > 0 && (
          <table className="admin-table">
            <caption className="sr-only">{t('Outbox')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('Created')}</th>
                <th scope="col">{t('Kind')}</th>
                <th scope="col">{t('To')}</th>
                <th scope="col">{t('Subject')}</th>
                <th scope="col">{t('Status')}</th>
                <th scope="col">{t('Attempts')}</th>
                <th scope="col">{t('Last error')}</th>
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
