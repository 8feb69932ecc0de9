import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Checkbox, CheckboxGroup, Input, Label, TextArea, TextField } from 'react-aria-components';
import { api } from '../../api/client';
import { useT } from '../../i18n';
import { ErrorText, type Group, type User, unwrap } from './common';
import { FormDialog } from './FormDialog';

/** Active operators and admins: the only accounts a group can hold (200 of each is plenty for a desk). */
function useStaff() {
  const t = useT();
  return useQuery({
    queryKey: ['admin', 'users', 'staff'],
    queryFn: async () => {
      const lists = await Promise.all(
        (['operator', 'admin'] as const).map(async (role) =>
          unwrap(await api.GET('/api/users', { params: { query: { role, limit: 200 } } }), t('Could not load staff')),
        ),
      );
      return lists.flatMap((list) => list.data).sort((a, b) => a.username.localeCompare(b.username));
    },
  });
}

export function Groups() {
  const t = useT();
  const groups = useQuery({
    queryKey: ['admin', 'groups'],
    queryFn: async () => unwrap(await api.GET('/api/groups'), t('Could not load the groups')).data,
  });
  const staff = useStaff();
  const names = new Map((staff.data ?? []).map((user) => [user.id, user.username]));
  return (
    <>
      <div className="row">
        <GroupForm />
      </div>
      <ErrorText error={groups.error ?? staff.error} />
      <table className="admin-table">
        <caption className="sr-only">{t('Groups')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('Name')}</th>
            <th scope="col">{t('Description')}</th>
            <th scope="col">{t('Members')}</th>
            <th scope="col">{t('Actions')}</th>
          </tr>
        </thead>
        <tbody>
          {(groups.data ?? []).map((group) => (
            <tr key={group.id}>
              <th scope="row">{group.name}</th>
              <td>{group.description}</td>
              <td>{group.member_ids.map((id) => names.get(id) ?? `#${id}`).join(', ') || '—'}</td>
              <td className="actions">
                <GroupForm group={group} />
                <Members group={group} staff={staff.data ?? []} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

/** Create a group, or (given one) rename it and change its description. */
function GroupForm({ group }: { group?: Group }) {
  const queryClient = useQueryClient();
  const t = useT();
  const [open, setOpen] = useState(false);
  const [name, setName] = useState(group?.name ?? '');
  const [description, setDescription] = useState(group?.description ?? '');
  const save = useMutation({
    mutationFn: async () =>
      group
        ? unwrap(
            await api.PATCH('/api/groups/{group_id}', {
              params: { path: { group_id: group.id } },
              body: { name, description },
            }),
            t('Not saved'),
          )
        : unwrap(await api.POST('/api/groups', { body: { name, description } }), t('Not created')),
    onSuccess: () => {
      setOpen(false);
      if (!group) {
        setName('');
        setDescription('');
      }
      void queryClient.invalidateQueries({ queryKey: ['admin', 'groups'] });
    },
  });
  const title = group ? t('Rename {name}', { name: group.name }) : t('New group');
  return (
    <FormDialog
      title={title}
      isOpen={open}
      onOpenChange={setOpen}
      submit={t(group ? 'Save' : 'Create')}
      mutation={save}
      openerClassName={group ? '' : 'primary'}
      onOpen={() => {
        if (group) {
          setName(group.name);
          setDescription(group.description);
        }
      }}
    >
      <TextField value={name} onChange={setName} isRequired>
        <Label>{t('Name')}</Label>
        <Input />
      </TextField>
      <TextField value={description} onChange={setDescription}>
        <Label>{t('Description')}</Label>
        <TextArea rows={3} />
      </TextField>
    </FormDialog>
  );
}

function Members({ group, staff }: { group: Group; staff: User[] }) {
  const queryClient = useQueryClient();
  const t = useT();
  const [open, setOpen] = useState(false);
  const [selected, setSelected] = useState<string[]>([]);
  const save = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.PUT('/api/groups/{group_id}/members', {
          params: { path: { group_id: group.id } },
          body: { user_ids: selected.map(Number) },
        }),
        t('Members not saved'),
      ),
    onSuccess: () => {
      setOpen(false);
      void queryClient.invalidateQueries({ queryKey: ['admin', 'groups'] });
    },
  });
  const choosable = staff.filter((user) => user.is_active || group.member_ids.includes(user.id));
  return (
    <FormDialog
      title={t('Members of {name}', { name: group.name })}
      isOpen={open}
      onOpenChange={setOpen}
      submit="Save members"
      mutation={save}
      onOpen={() => {
        setSelected(group.member_ids.map(String));
      }}
    >
      <CheckboxGroup value={selected} onChange={setSelected} className="checkboxes">
        <Label>{t('Operators and admins')}</Label>
        {choosable.map((user) => (
          <Checkbox key={user.id} value={String(user.id)} className="checkbox">
            <span className="box" aria-hidden="true" />
            {user.username} ({user.role})
          </Checkbox>
        ))}
      </CheckboxGroup>
    </FormDialog>
  );
}
