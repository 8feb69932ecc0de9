import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, type ReactNode, useState } from 'react';
import { Button, Input, Label, Tag, TagGroup, TagList, TextField } from 'react-aria-components';
import { ApiError, api, detailOf, type Ticket } from '../../api/client';
import { type MessageKey, type Translate, useT } from '../../i18n';
import { OptionSelect, PRIORITY_OPTIONS, STATUS_OPTIONS } from '../StatusSelect';
import { useGroups, useStaff } from './data';

/** One edit of the panel, as PATCH /api/tickets/{id} takes it. */
export interface Change {
  status?: Ticket['status'];
  priority?: Ticket['priority'];
  operator_id?: number | null;
  group_id?: number | null;
  add_tags?: string[];
  remove_tags?: string[];
}

interface Conflict {
  changed: string[];
  change: Change;
}

const LABEL: Record<string, string> = Object.fromEntries(
  [...STATUS_OPTIONS, ...PRIORITY_OPTIONS].map((option) => [option.id, option.label]),
);

/** A status's or priority's label in the console's language. */
const labelOf = (value: string, t: Translate) => t.text(LABEL[value] ?? value);

/**
 * What differs between the version an edit was made on and the current one, as lines for a person, in the
 * console's language.
 */
export function differences(before: Ticket, after: Ticket, t: Translate): string[] {
  const lines: string[] = [];
  const line = (field: MessageKey, from: string, to: string) =>
    lines.push(t('{field}: {from} → {to}', { field: t(field), from, to }));
  const label = (value: string) => labelOf(value, t);
  if (before.status !== after.status) line('Status', label(before.status), label(after.status));
  if (before.priority !== after.priority) line('Priority', label(before.priority), label(after.priority));
  if ((before.operator?.id ?? null) !== (after.operator?.id ?? null)) {
    line('Assignee', before.operator?.username ?? t('Unassigned'), after.operator?.username ?? t('Unassigned'));
  }
  if ((before.group?.id ?? null) !== (after.group?.id ?? null)) {
    line('Group', before.group?.name ?? t('None'), after.group?.name ?? t('None'));
  }
  if (before.tags.join(',') !== after.tags.join(',')) {
    line('Tags', before.tags.join(', ') || t('None'), after.tags.join(', ') || t('None'));
  }
  if (before.subject !== after.subject) lines.push(t('Subject changed'));
  return lines;
}

function describeChange(
  change: Change,
  names: { users: Map<number, string>; groups: Map<number, string> },
  t: Translate,
): string {
  const parts: string[] = [];
  if (change.status) parts.push(t('status → {value}', { value: labelOf(change.status, t) }));
  if (change.priority) parts.push(t('priority → {value}', { value: labelOf(change.priority, t) }));
  if (change.operator_id !== undefined) {
    const value = change.operator_id === null ? t('Unassigned') : (names.users.get(change.operator_id) ?? '?');
    parts.push(t('assignee → {value}', { value }));
  }
  if (change.group_id !== undefined) {
    const value = change.group_id === null ? t('None') : (names.groups.get(change.group_id) ?? '?');
    parts.push(t('group → {value}', { value }));
  }
  if (change.add_tags) parts.push(t('add tag {tags}', { tags: change.add_tags.join(', ') }));
  if (change.remove_tags) parts.push(t('remove tag {tags}', { tags: change.remove_tags.join(', ') }));
  return parts.join('; ');
}

/**
 * Status, priority, assignee, group and tags, each edit sent with If-Match. A 412 (someone changed the ticket
 * meanwhile) reloads it, says what changed, and offers to apply the operator's edit again on the new version.
 */
export function SidePanel({ ticket, etag, actions }: { ticket: Ticket; etag: string | null; actions?: ReactNode }) {
  const queryClient = useQueryClient();
  const staff = useStaff();
  const groups = useGroups();
  const [notice, setNotice] = useState<string | null>(null);
  const [conflict, setConflict] = useState<Conflict | null>(null);
  const [newTag, setNewTag] = useState('');
  const t = useT();

  const change = useMutation({
    mutationFn: async ({ body, base, version }: { body: Change; base: Ticket; version: string | null }) => {
      const { data, error, response } = await api.PATCH('/api/tickets/{ticket_id}', {
        params: { path: { ticket_id: base.id }, header: version ? { 'if-match': version } : {} },
        body,
      });
      if (!data) throw new ApiError(response.status, detailOf(error, 'Not changed'));
      return { ticket: data.data, etag: response.headers.get('etag') };
    },
    onMutate: () => {
      setNotice(null);
      setConflict(null);
    },
    onSuccess: (result) => {
      if (result.etag) queryClient.setQueryData(['ticket', ticket.id], result);
      else void queryClient.invalidateQueries({ queryKey: ['ticket', ticket.id] });
      void queryClient.invalidateQueries({ queryKey: ['events', ticket.id] });
    },
    onError: async (error, { body, base }) => {
      if (error instanceof ApiError && error.status === 412) {
        await queryClient.refetchQueries({ queryKey: ['ticket', ticket.id] });
        const fresh = queryClient.getQueryData<{ ticket: Ticket }>(['ticket', ticket.id])?.ticket;
        setConflict({ changed: fresh ? differences(base, fresh, t) : [], change: body });
        void queryClient.invalidateQueries({ queryKey: ['events', ticket.id] });
      } else {
        setNotice(error.message);
      }
    },
  });
  const apply = (body: Change) => change.mutate({ body, base: ticket, version: etag });

  const names = {
    users: new Map((staff.data ?? []).map((user) => [user.id, user.username])),
    groups: new Map((groups.data ?? []).map((group) => [group.id, group.name])),
  };
  const assignees = [
    { id: 'none', label: 'Unassigned' },
    ...(staff.data ?? []).map((user) => ({ id: String(user.id), label: user.username })),
  ];
  if (ticket.operator && !names.users.has(ticket.operator.id)) {
    assignees.push({ id: String(ticket.operator.id), label: ticket.operator.username });
  }
  const groupOptions = [
    { id: 'none', label: 'No group' },
    ...(groups.data ?? []).map((group) => ({ id: String(group.id), label: group.name })),
  ];
  if (ticket.group && !names.groups.has(ticket.group.id)) {
    groupOptions.push({ id: String(ticket.group.id), label: ticket.group.name });
  }

  function addTag(event: FormEvent) {
    event.preventDefault();
    const tag = newTag.trim().toLowerCase();
    if (tag === '') return;
    setNewTag('');
    if (!ticket.tags.includes(tag)) apply({ add_tags: [tag] });
  }

  const busy = change.isPending;
  return (
    <aside className="side-panel stack" aria-label={t('Ticket details')}>
      <OptionSelect
        label={t('Status')}
        options={STATUS_OPTIONS}
        value={ticket.status}
        isDisabled={busy}
        onChange={(value) => value !== ticket.status && apply({ status: value as Ticket['status'] })}
      />
      <OptionSelect
        label={t('Priority')}
        options={PRIORITY_OPTIONS}
        value={ticket.priority}
        isDisabled={busy}
        onChange={(value) => value !== ticket.priority && apply({ priority: value as Ticket['priority'] })}
      />
      <OptionSelect
        label={t('Assignee')}
        options={assignees}
        value={ticket.operator ? String(ticket.operator.id) : 'none'}
        isDisabled={busy || staff.isPending}
        onChange={(value) => {
          const operatorId = value === 'none' ? null : Number(value);
          if (operatorId !== (ticket.operator?.id ?? null)) apply({ operator_id: operatorId });
        }}
      />
      <OptionSelect
        label={t('Group')}
        options={groupOptions}
        value={ticket.group ? String(ticket.group.id) : 'none'}
        isDisabled={busy || groups.isPending}
        onChange={(value) => {
          const groupId = value === 'none' ? null : Number(value);
          if (groupId !== (ticket.group?.id ?? null)) apply({ group_id: groupId });
        }}
      />
      <TagGroup
        className="tags"
        onRemove={(keys) => {
          const removed = [...keys].map(String);
          if (removed.length > 0 && !busy) apply({ remove_tags: removed });
        }}
      >
        <Label>{t('Tags')}</Label>
        <TagList items={ticket.tags.map((tag) => ({ id: tag }))} renderEmptyState={() => t('None')}>
          {(item) => (
            <Tag id={item.id} textValue={item.id}>
              {item.id}
              <Button slot="remove" aria-label={t('Remove tag {tag}', { tag: String(item.id) })}>
                ×
              </Button>
            </Tag>
          )}
        </TagList>
      </TagGroup>
      <form className="row add-tag" onSubmit={addTag}>
        <TextField value={newTag} onChange={setNewTag} aria-label={t('New tag')}>
          <Input placeholder={t('New tag')} />
        </TextField>
        <Button type="submit" isDisabled={busy}>
          {t('Add tag')}
        </Button>
      </form>
      {conflict && (
        <div role="alert" className="conflict">
          <p>{t('Someone else changed this ticket meanwhile. It has been reloaded.')}</p>
          {conflict.changed.length > 0 && (
            <ul aria-label={t('What changed')}>
              {conflict.changed.map((line) => (
                <li key={line}>{line}</li>
              ))}
            </ul>
          )}
          <p>{t('Your change: {change}', { change: describeChange(conflict.change, names, t) })}</p>
          <div className="row">
            <Button className="primary" onPress={() => apply(conflict.change)}>
              {t('Apply my change again')}
            </Button>
            <Button className="quiet" onPress={() => setConflict(null)}>
              {t('Discard my change')}
            </Button>
          </div>
        </div>
      )}
      {notice && <p role="alert">{notice}</p>}
      {ticket.sla && <SlaTimes sla={ticket.sla} />}
      {actions}
    </aside>
  );
}

function SlaTimes({ sla }: { sla: NonNullable<Ticket['sla']> }) {
  const t = useT();
  const when = (at: string) => <time dateTime={at}>{t.date(at)}</time>;
  const breached = (target: 'first_response' | 'resolution') =>
    sla.breached.includes(target) && <span className="badge breached"> {t('Breached')}</span>;
  return (
    <section aria-label="SLA" className="sla">
      <h2>SLA</h2>
      <dl>
        <dt>{t('First response due')}</dt>
        <dd>
          {sla.first_responded_at ? <>Answered {when(sla.first_responded_at)}</> : when(sla.first_response_due_at)}
          {breached('first_response')}
        </dd>
        <dt>{t('Resolution due')}</dt>
        <dd>
          {when(sla.resolution_due_at)}
          {breached('resolution')}
        </dd>
      </dl>
    </section>
  );
}
