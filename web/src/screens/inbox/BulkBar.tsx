import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Button, Input, Label, TextField } from 'react-aria-components';
import { ApiError, api, detailOf, type Me } from '../../api/client';
import { useT } from '../../i18n';
import type { Person } from '../Inbox';
import { OptionSelect, PRIORITY_OPTIONS } from '../StatusSelect';

type Changes = {
  status?: 'open' | 'in_progress' | 'closed';
  operator_id?: number | null;
  priority?: 'low' | 'normal' | 'high' | 'urgent';
  add_tags?: string[];
};

/** One action on every checked ticket (`PATCH /api/tickets`); tickets the API refused are listed with why. */
export default function BulkBar({ ids, staff, onDone }: { ids: number[]; staff: Person[]; onDone: () => void }) {
  const queryClient = useQueryClient();
  const [tag, setTag] = useState('');
  const t = useT();
  const [failed, setFailed] = useState<{ id: number; detail: string }[]>([]);
  const [done, setDone] = useState<string | null>(null);
  const me = queryClient.getQueriesData<Me>({ queryKey: ['me'] }).find(([, data]) => data)?.[1];

  const apply = useMutation({
    mutationFn: async (changes: Changes) => {
      const { data, error, response } = await api.PATCH('/api/tickets', { body: { ids, changes } });
      if (!data) throw new ApiError(response.status, detailOf(error, t('Not changed')));
      return data.data;
    },
    onMutate: () => {
      setFailed([]);
      setDone(null);
    },
    onSuccess: (result) => {
      void queryClient.invalidateQueries({ queryKey: ['tickets'] });
      setDone(t.plural('{count} updated', result.updated.length));
      setFailed(result.failed);
      if (result.failed.length === 0) onDone();
    },
  });

  return (
    <section className="bulk-bar" aria-label={t('Bulk actions')}>
      <span className="row">
        <Button isDisabled={apply.isPending || !me} onPress={() => me && apply.mutate({ operator_id: me.id })}>
          {t('Assign to me')}
        </Button>
        <OptionSelect
          label={t('Assign to')}
          options={staff.map((person) => ({ id: String(person.id), label: person.username }))}
          value=""
          isDisabled={apply.isPending}
          onChange={(value) => apply.mutate({ operator_id: Number(value) })}
        />
        <Button isDisabled={apply.isPending} onPress={() => apply.mutate({ status: 'closed' })}>
          {t('Close')}
        </Button>
        <OptionSelect
          label={t('Set priority')}
          options={PRIORITY_OPTIONS}
          value=""
          isDisabled={apply.isPending}
          onChange={(value) => apply.mutate({ priority: value as NonNullable<Changes['priority']> })}
        />
        <form
          className="row"
          onSubmit={(event) => {
            event.preventDefault();
            if (tag.trim()) apply.mutate({ add_tags: [tag.trim()] });
          }}
        >
          <TextField value={tag} onChange={setTag}>
            <Label>{t('Tag to add')}</Label>
            <Input />
          </TextField>
          <Button type="submit" isDisabled={apply.isPending || tag.trim() === ''}>
            {t('Add tag')}
          </Button>
        </form>
      </span>
      <p aria-live="polite" className="hint">
        {apply.isPending ? t('Applying…') : (done ?? '')}
      </p>
      {apply.isError && <p role="alert">{apply.error.message}</p>}
      {failed.length > 0 && (
        <div role="alert">
          <p>{t('Not changed:')}</p>
          <ul>
            {failed.map((item) => (
              <li key={item.id}>
                #{item.id}: {item.detail}
              </li>
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}
