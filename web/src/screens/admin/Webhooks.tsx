import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Button, Checkbox, CheckboxGroup, Input, Label, Switch, TextField } from 'react-aria-components';
import { api } from '../../api/client';
import { useT } from '../../i18n';
import { type Delivery, ErrorText, unwrap, type Webhook, when } from './common';
import { FormDialog, ModalDialog } from './FormDialog';

type EventType = Webhook['events'][number];
const EVENTS: EventType[] = [
  'ticket.created',
  'ticket.updated',
  'message.created',
  'note.created',
  'email.received',
  'email.sent',
  'ticket.merged',
  'sla.breached',
];

/** The signing secret, shown once (after creating or rotating): the API never shows it again. */
function SecretDialog({ secret, onClose }: { secret: string | null; onClose: () => void }) {
  const t = useT();
  return (
    <ModalDialog title={t('Signing secret')} isOpen={secret !== null} onOpenChange={(open) => !open && onClose()}>
      <div className="stack">
        <TextField value={secret ?? ''} isReadOnly className="react-aria-TextField secret">
          <Label>{t('Signing secret')}</Label>
          <Input />
        </TextField>
        <p className="hint">{t('Copy it now: it will not be shown again.')}</p>
        <div className="row">
          <Button slot="close" className="primary">
            {t('Done')}
          </Button>
        </div>
      </div>
    </ModalDialog>
  );
}

export function Webhooks() {
  const t = useT();
  const [secret, setSecret] = useState<string | null>(null);
  const [shown, setShown] = useState<Webhook | null>(null);
  const list = useInfiniteQuery({
    queryKey: ['admin', 'webhooks'],
    initialPageParam: '',
    queryFn: async ({ pageParam }) =>
      unwrap(
        await api.GET('/api/webhooks', {
          params: { query: { limit: 50, ...(pageParam ? { cursor: pageParam } : {}) } },
        }),
        t('Could not load the webhooks'),
      ),
    getNextPageParam: (page) => page.meta.next_cursor ?? undefined,
  });
  const rows = list.data?.pages.flatMap((page) => page.data) ?? [];
  return (
    <>
      <div className="row">
        <CreateWebhook onSecret={setSecret} />
      </div>
      <ErrorText error={list.error} />
      <table className="admin-table">
        <caption className="sr-only">{t('Webhooks')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('URL')}</th>
            <th scope="col">{t('Events')}</th>
            <th scope="col">{t('Enabled')}</th>
            <th scope="col">{t('Actions')}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((webhook) => (
            <WebhookRow key={webhook.id} webhook={webhook} onSecret={setSecret} onDeliveries={setShown} />
          ))}
        </tbody>
      </table>
      {list.hasNextPage && (
        <Button onPress={() => void list.fetchNextPage()} isDisabled={list.isFetchingNextPage}>
          {t('Load more')}
        </Button>
      )}
      {shown && <Deliveries webhook={shown} />}
      <SecretDialog secret={secret} onClose={() => setSecret(null)} />
    </>
  );
}

function WebhookRow(props: {
  webhook: Webhook;
  onSecret: (secret: string) => void;
  onDeliveries: (webhook: Webhook) => void;
}) {
  const { webhook } = props;
  const queryClient = useQueryClient();
  const t = useT();
  const refresh = () => void queryClient.invalidateQueries({ queryKey: ['admin', 'webhooks'] });
  const change = useMutation({
    mutationFn: async (body: { enabled?: boolean; rotate_secret?: true }) =>
      unwrap(
        await api.PATCH('/api/webhooks/{webhook_id}', { params: { path: { webhook_id: webhook.id } }, body }),
        t('Not changed'),
      ),
    onSuccess: (answer) => {
      const secret = (answer.data as { secret?: string }).secret;
      if (secret) props.onSecret(secret);
      refresh();
    },
  });
  const remove = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.DELETE('/api/webhooks/{webhook_id}', { params: { path: { webhook_id: webhook.id } } }),
        t('Not deleted'),
      ),
    onSuccess: refresh,
  });
  return (
    <tr>
      <th scope="row">
        {webhook.url}
        {webhook.description && <div className="hint">{webhook.description}</div>}
        {webhook.disabled_reason && <div className="hint">{webhook.disabled_reason}</div>}
      </th>
      <td>{webhook.events.join(', ')}</td>
      <td>
        <Switch
          isSelected={(change.isPending ? change.variables?.enabled : undefined) ?? webhook.enabled}
          onChange={(enabled) => change.mutate({ enabled })}
          isDisabled={change.isPending}
          className="switch"
          aria-label={t('Enabled: {url}', { url: webhook.url })}
        >
          <span className="indicator" aria-hidden="true" />
          {t(webhook.enabled ? 'On' : 'Off')}
        </Switch>
      </td>
      <td className="actions">
        <Button onPress={() => props.onDeliveries(webhook)}>{t('Deliveries of {url}', { url: webhook.url })}</Button>
        <Button onPress={() => change.mutate({ rotate_secret: true })} isDisabled={change.isPending}>
          {t('Rotate secret of {url}', { url: webhook.url })}
        </Button>
        <Button onPress={() => remove.mutate()} isDisabled={remove.isPending}>
          {t('Delete {name}', { name: webhook.url })}
        </Button>
        <ErrorText error={change.error ?? remove.error} />
      </td>
    </tr>
  );
}

function CreateWebhook({ onSecret }: { onSecret: (secret: string) => void }) {
  const queryClient = useQueryClient();
  const t = useT();
  const [open, setOpen] = useState(false);
  const [url, setUrl] = useState('');
  const [description, setDescription] = useState('');
  const [events, setEvents] = useState<string[]>(['*']);
  const create = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST('/api/webhooks', {
          body: { url, description, events: (events.includes('*') ? ['*'] : events) as EventType[] },
        }),
        t('Not created'),
      ),
    onSuccess: (answer) => {
      setOpen(false);
      setUrl('');
      setDescription('');
      setEvents(['*']);
      onSecret(answer.data.secret);
      void queryClient.invalidateQueries({ queryKey: ['admin', 'webhooks'] });
    },
  });
  return (
    <FormDialog
      title={t('New webhook')}
      openerClassName="primary"
      isOpen={open}
      onOpenChange={setOpen}
      submit={t('Create')}
      mutation={create}
    >
      <TextField value={url} onChange={setUrl} type="url" isRequired>
        <Label>{t('URL')}</Label>
        <Input placeholder="https://example.com/hooks/service-desk" />
      </TextField>
      <TextField value={description} onChange={setDescription}>
        <Label>{t('Description')}</Label>
        <Input />
      </TextField>
      <CheckboxGroup value={events} onChange={setEvents} className="checkboxes">
        <Label>{t('Events')}</Label>
        {['*', ...EVENTS].map((type) => (
          <Checkbox key={type} value={type} className="checkbox">
            <span className="box" aria-hidden="true" />
            {type === '*' ? t('All events') : type}
          </Checkbox>
        ))}
      </CheckboxGroup>
    </FormDialog>
  );
}

function Deliveries({ webhook }: { webhook: Webhook }) {
  const t = useT();
  const deliveries = useQuery({
    queryKey: ['admin', 'webhooks', webhook.id, 'deliveries'],
    queryFn: async () =>
      unwrap(
        await api.GET('/api/webhooks/{webhook_id}/deliveries', {
          params: { path: { webhook_id: webhook.id }, query: { limit: 50 } },
        }),
        t('Could not load the deliveries'),
      ).data,
    // Attempts go on in the background: the panel follows them while it is open.
    refetchInterval: 5_000,
  });
  return (
    <section className="stack" aria-labelledby="deliveries-title">
      <h2 id="deliveries-title">{t('Deliveries of {url}', { url: webhook.url })}</h2>
      <ErrorText error={deliveries.error} />
      {deliveries.data?.length === 0 && <p>{t('No deliveries yet.')}</p>}
      {(deliveries.data?.length ?? 0) > 0 && (
        <table className="admin-table">
          <caption className="sr-only">{t('Deliveries')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('Event')}</th>
              <th scope="col">{t('Status')}</th>
              <th scope="col">{t('Attempts')}</th>
              <th scope="col">{t('Last response')}</th>
              <th scope="col">{t('Next attempt')}</th>
              <th scope="col">{t('Actions')}</th>
            </tr>
          </thead>
          <tbody>
            {(deliveries.data ?? []).map((delivery) => (
              <DeliveryRow key={delivery.id} delivery={delivery} />
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function DeliveryRow({ delivery }: { delivery: Delivery }) {
  const queryClient = useQueryClient();
  const t = useT();
  const redeliver = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST('/api/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver', {
          params: { path: { webhook_id: delivery.webhook_id, delivery_id: delivery.id } },
        }),
        t('Not redelivered'),
      ),
    onSuccess: () =>
      void queryClient.invalidateQueries({ queryKey: ['admin', 'webhooks', delivery.webhook_id, 'deliveries'] }),
  });
  const response =
    delivery.last_status_code !== null
      ? `HTTP ${delivery.last_status_code}${delivery.last_response_body ? `: ${delivery.last_response_body.slice(0, 120)}` : ''}`
      : (delivery.last_error ?? '—');
  return (
    <tr>
      <th scope="row">
        {delivery.event_type} #{delivery.event_id}
      </th>
      <td>
        <span className={`badge ${delivery.status}`}>{delivery.status}</span>
      </td>
      <td>{delivery.attempts}</td>
      <td className="clip">{response}</td>
      <td>{when(delivery.next_attempt_at)}</td>
      <td>
        <Button onPress={() => redeliver.mutate()} isDisabled={redeliver.isPending}>
          {t('Redeliver')}
        </Button>
        <ErrorText error={redeliver.error} />
      </td>
    </tr>
  );
}
