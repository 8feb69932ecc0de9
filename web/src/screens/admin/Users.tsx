import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Button, Input, Label, TextField } from 'react-aria-components';
import { api, type Me } from '../../api/client';
import { useT } from '../../i18n';
import { OptionSelect } from '../StatusSelect';
import { ErrorText, type User, unwrap } from './common';
import { FormDialog } from './FormDialog';

type Role = User['role'];
const ROLES: { id: Role; label: string }[] = [
  { id: 'customer', label: 'Customer' },
  { id: 'operator', label: 'Operator' },
  { id: 'admin', label: 'Admin' },
];
const FILTERS = [{ id: 'all', label: 'All' }, ...ROLES];

export function Users({ me }: { me: Me }) {
  const [role, setRole] = useState('all');
  const t = useT();
  const users = useInfiniteQuery({
    queryKey: ['admin', 'users', role],
    initialPageParam: '',
    queryFn: async ({ pageParam }) =>
      unwrap(
        await api.GET('/api/users', {
          params: {
            query: {
              limit: 50,
              ...(pageParam ? { cursor: pageParam } : {}),
              ...(role === 'all' ? {} : { role: role as Role }),
            },
          },
        }),
        t('Could not load the users'),
      ),
    getNextPageParam: (page) => page.meta.next_cursor ?? undefined,
  });
  const rows = users.data?.pages.flatMap((page) => page.data) ?? [];
  return (
    <>
      <div className="row">
        <OptionSelect label={t('Role filter')} options={FILTERS} value={role} onChange={setRole} />
        <CreateUser />
      </div>
      <ErrorText error={users.error} />
      <table className="admin-table">
        <caption className="sr-only">{t('Users')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('Username')}</th>
            <th scope="col">{t('Email')}</th>
            <th scope="col">{t('Role')}</th>
            <th scope="col">{t('Active')}</th>
            <th scope="col">{t('Actions')}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((user) => (
            <UserRow key={user.id} user={user} self={user.id === me.id} />
          ))}
        </tbody>
      </table>
      {users.hasNextPage && (
        <Button onPress={() => void users.fetchNextPage()} isDisabled={users.isFetchingNextPage}>
          {t('Load more')}
        </Button>
      )}
    </>
  );
}

function UserRow({ user, self }: { user: User; self: boolean }) {
  const queryClient = useQueryClient();
  const t = useT();
  const change = useMutation({
    mutationFn: async (body: { role?: Role; is_active?: boolean }) =>
      unwrap(
        await api.PATCH('/api/users/{user_id}', { params: { path: { user_id: user.id } }, body }),
        t('Not changed'),
      ),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ['admin', 'users'] }),
  });
  return (
    <tr>
      <th scope="row">{user.username}</th>
      <td>{user.email}</td>
      <td>
        <OptionSelect
          label={t('Role of {name}', { name: user.username })}
          options={ROLES}
          value={user.role}
          isDisabled={self || change.isPending}
          onChange={(value) => change.mutate({ role: value as Role })}
        />
      </td>
      <td>{t(user.is_active ? 'Active' : 'Deactivated')}</td>
      <td>
        {!self && (
          <Button onPress={() => change.mutate({ is_active: !user.is_active })} isDisabled={change.isPending}>
            {t(user.is_active ? 'Deactivate {name}' : 'Reactivate {name}', { name: user.username })}
          </Button>
        )}
        <ErrorText error={change.error} />
      </td>
    </tr>
  );
}

function CreateUser() {
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const t = useT();
  const [email, setEmail] = useState('');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState<Role>('operator');
  const create = useMutation({
    mutationFn: async () =>
      unwrap(await api.POST('/api/users', { body: { email, username, password, role } }), t('Not created')),
    onSuccess: () => {
      setOpen(false);
      setEmail('');
      setUsername('');
      setPassword('');
      void queryClient.invalidateQueries({ queryKey: ['admin', 'users'] });
    },
  });
  return (
    <FormDialog
      title={t('New user')}
      openerClassName="primary"
      isOpen={open}
      onOpenChange={setOpen}
      submit="Create"
      mutation={create}
    >
      <TextField value={email} onChange={setEmail} type="email" isRequired>
        <Label>{t('Email')}</Label>
        <Input />
      </TextField>
      <TextField value={username} onChange={setUsername} isRequired>
        <Label>{t('Username')}</Label>
        <Input />
      </TextField>
      <TextField value={password} onChange={setPassword} type="password" isRequired minLength={10}>
        <Label>{t('Password')}</Label>
        <Input autoComplete="new-password" />
      </TextField>
      <OptionSelect label={t('Role')} options={ROLES} value={role} onChange={(value) => setRole(value as Role)} />
    </FormDialog>
  );
}
