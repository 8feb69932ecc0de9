import { useMemo, useState } from 'react';
import { Button } from 'react-aria-components';
import { useT } from '../../i18n';
import { followLink } from '../../router';
import { useEvents, useGroups, useMessages, useOutbox, useStaff } from './data';
import { mergeTimeline, namesOf, type TimelineItem } from './timeline';

/** How many rows are rendered at first and added by each "Show earlier activity". */
export const TIMELINE_PAGE = 100;

const DELIVERY: Record<string, string> = {
  pending: 'Email pending',
  sent: 'Emailed',
  failed: 'Email failed',
};

/**
 * The conversation and the ticket's history in one timeline, oldest first. A long ticket (500+ messages)
 * stays smooth: only the newest rows are rendered, earlier ones on demand.
 */
export function Timeline({ id }: { id: number }) {
  const t = useT();
  const messages = useMessages(id);
  const events = useEvents(id);
  const outbox = useOutbox(id);
  const staff = useStaff();
  const groups = useGroups();
  const [shown, setShown] = useState(TIMELINE_PAGE);

  const items = useMemo(
    () =>
      mergeTimeline(
        messages.data?.pages.flatMap((page) => page.data) ?? [],
        events.data?.pages.flatMap((page) => page.data) ?? [],
        outbox.data ?? [],
        namesOf(staff.data, groups.data, t),
      ),
    [messages.data, events.data, outbox.data, staff.data, groups.data, t],
  );

  if (messages.isPending || events.isPending) return <p className="loading">{t('Loading the conversation…')}</p>;
  if (messages.isError) return <p role="alert">{messages.error.message}</p>;
  if (events.isError) return <p role="alert">{events.error.message}</p>;
  const complete = !messages.hasNextPage && !events.hasNextPage;
  const hidden = Math.max(0, items.length - shown);
  const visible = items.slice(hidden);

  return (
    <section aria-label={t('Timeline')}>
      {hidden > 0 && (
        <Button className="quiet" onPress={() => setShown((count) => count + TIMELINE_PAGE)}>
          {t('Show earlier activity ({count})', { count: hidden })}
        </Button>
      )}
      <ol className="conversation timeline">
        {visible.map((item) => (
          <TimelineRow key={item.key} item={item} />
        ))}
      </ol>
      {!complete && <p className="loading">{t('Loading more of the conversation…')}</p>}
    </section>
  );
}

function TimelineRow({ item }: { item: TimelineItem }) {
  const t = useT();
  const time = (
    <time dateTime={item.at} title={t.date(item.at)}>
      {t.date(item.at)}
    </time>
  );
  if (item.kind === 'change') {
    return (
      <li className={item.tone === 'alert' ? 'change alert' : 'change'}>
        {item.link !== undefined ? (
          <a href={`/tickets/${item.link}`} onClick={(event) => followLink(event, `/tickets/${item.link}`)}>
            {item.text}
          </a>
        ) : (
          <span>{item.text}</span>
        )}{' '}
        · {time}
      </li>
    );
  }
  const { message, delivery } = item;
  return (
    <li className={message.internal ? 'message note' : 'message'}>
      <div className="meta">
        <strong>{message.author.username}</strong>
        {message.internal ? (
          <span className="badge note-badge">{t('Internal note')}</span>
        ) : (
          message.author.role !== 'customer' && <span className="badge">{t('Answer')}</span>
        )}
        {message.channel === 'email' && <span className="badge">{t('Received by email')}</span>}
        {delivery && <span className={`badge delivery-${delivery}`}>{t.text(DELIVERY[delivery] ?? delivery)}</span>}
        {time}
      </div>
      <p>{message.text}</p>
      {message.attachments.length > 0 && (
        <ul className="attachments">
          {message.attachments.map((file) => (
            <li key={file.id}>
              {file.filename} ({Math.ceil(file.size / 1024)} KB)
            </li>
          ))}
        </ul>
      )}
    </li>
  );
}
