import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Button, Input, Label, SearchField, Switch, TextArea, TextField } from 'react-aria-components';
import { api } from '../../api/client';
import { useT } from '../../i18n';
import { type Canned, ErrorText, unwrap } from './common';
import { FormDialog } from './FormDialog';

export function CannedResponses() {
  const [q, setQ] = useState('');
  const t = useT();
  const list = useInfiniteQuery({
    queryKey: ['admin', 'canned', q],
    initialPageParam: '',
    queryFn: async ({ pageParam }) =>
      unwrap(
        await api.GET('/api/canned-responses', {
          params: { query: { limit: 50, ...(q ? { q } : {}), ...(pageParam ? { cursor: pageParam } : {}) } },
        }),
        t('Could not load the canned responses'),
      ),
    getNextPageParam: (page) => page.meta.next_cursor ?? undefined,
  });
  const rows = list.data?.pages.flatMap((page) => page.data) ?? [];
  return (
    <>
      <div className="row">
        <SearchField value={q} onChange={setQ} aria-label={t('Search canned responses')}>
          <Input placeholder="Search canned responses" />
        </SearchField>
        <CannedForm />
      </div>
      <ErrorText error={list.error} />
      <table className="admin-table">
        <caption className="sr-only">{t('Canned responses')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('Title')}</th>
            <th scope="col">{t('Text')}</th>
            <th scope="col">{t('Shared')}</th>
            <th scope="col">{t('Author')}</th>
            <th scope="col">{t('Actions')}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((canned) => (
            <tr key={canned.id}>
              <th scope="row">{canned.title}</th>
              <td className="clip">{canned.text}</td>
              <td>{t(canned.shared ? 'Shared' : 'Private')}</td>
              <td>{canned.author.username}</td>
              <td className="actions">
                <CannedForm canned={canned} />
                <DeleteCanned canned={canned} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {list.hasNextPage && (
        <Button onPress={() => void list.fetchNextPage()} isDisabled={list.isFetchingNextPage}>
          {t('Load more')}
        </Button>
      )}
    </>
  );
}

function CannedForm({ canned }: { canned?: Canned }) {
  const queryClient = useQueryClient();
  const t = useT();
  const [open, setOpen] = useState(false);
  const [title, setTitle] = useState(canned?.title ?? '');
  const [text, setText] = useState(canned?.text ?? '');
  const [shared, setShared] = useState(canned?.shared ?? false);
  const save = useMutation({
    mutationFn: async () =>
      canned
        ? unwrap(
            await api.PATCH('/api/canned-responses/{canned_response_id}', {
              params: { path: { canned_response_id: canned.id } },
              body: { title, text, shared },
            }),
            t('Not saved'),
          )
        : unwrap(await api.POST('/api/canned-responses', { body: { title, text, shared } }), t('Not created')),
    onSuccess: () => {
      setOpen(false);
      if (!canned) {
        setTitle('');
        setText('');
        setShared(false);
      }
      void queryClient.invalidateQueries({ queryKey: ['admin', 'canned'] });
    },
  });
  const label = canned ? t('Edit {name}', { name: canned.title }) : t('New canned response');
  return (
    <FormDialog
      title={label}
      isOpen={open}
      onOpenChange={setOpen}
      submit={t(canned ? 'Save' : 'Create')}
      mutation={save}
      openerClassName={canned ? '' : 'primary'}
      onOpen={() => {
        if (canned) {
          setTitle(canned.title);
          setText(canned.text);
          setShared(canned.shared);
        }
      }}
    >
      <TextField value={title} onChange={setTitle} isRequired>
        <Label>{t('Title')}</Label>
        <Input />
      </TextField>
      <TextField value={text} onChange={setText} isRequired>
        <Label>{t('Text')}</Label>
        <TextArea rows={6} />
      </TextField>
      <p className="hint">
        Placeholders: {'{{customer.username}}'}, {'{{customer.email}}'}, {'{{ticket.id}}'}, {'{{ticket.subject}}'},{' '}
        {'{{operator.username}}'}
      </p>
      <Switch isSelected={shared} onChange={setShared} className="switch">
        <span className="indicator" aria-hidden="true" />
        {t('Shared')}
      </Switch>
    </FormDialog>
  );
}

function DeleteCanned({ canned }: { canned: Canned }) {
  const queryClient = useQueryClient();
  const t = useT();
  const remove = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.DELETE('/api/canned-responses/{canned_response_id}', {
          params: { path: { canned_response_id: canned.id } },
        }),
        t('Not deleted'),
      ),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ['admin', 'canned'] }),
  });
  return (
    <>
      <Button onPress={() => remove.mutate()} isDisabled={remove.isPending}>
        {t('Delete {name}', { name: canned.title })}
      </Button>
      <ErrorText error={remove.error} />
    </>
  );
}
