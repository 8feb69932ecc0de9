import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Button, Form, Input, Label, TextField } from 'react-aria-components';
import { api, type Me } from '../../api/client';
import { OptionSelect } from '../StatusSelect';
import { DialogButtons, ErrorText, FormDialog, type User, unwrap } from './common';

type Role = User['role'];
const ROLES: { id: Role; label: string }[] = [
  { id: 'customer', label: 'Customer' },
  { id: 'operator', label: 'Operator' },
  { id: 'admin', label: 'Admin' },
];
const FILTERS = [{ id: 'all', label: 'All' }, ...ROLES];

export function Users({ me }: { me: Me }) {
  const [role, setRole] = useState('all');
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
        'Could not load the users',
      ),
    getNextPageParam: (page) => page.meta.next_cursor ?? undefined,
  });
  const rows = users.data?.pages.flatMap((page) => page.data) ?? [];
  return (
    <>
      <div className="row">
        <OptionSelect label="Role filter" options={FILTERS} value={role} onChange={setRole} />
        <CreateUser />
      </div>
      <ErrorText error={users.error} />
      <table className="admin-table">
        <caption className="sr-only">Users</caption>
        <thead>
          <tr>
            <th scope="col">Username</th>
            <th scope="col">Email</th>
            <th scope="col">Role</th>
            <th scope="col">Active</th>
            <th scope="col">Actions</th>
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
          Load more
        </Button>
      )}
    </>
  );
}

function UserRow({ user, self }: { user: User; self: boolean }) {
  const queryClient = useQueryClient();
  const change = useMutation({
    mutationFn: async (body: { role?: Role; is_active?: boolean }) =>
      unwrap(await api.PATCH('/api/users/{user_id}', { params: { path: { user_id: user.id } }, body }), 'Not changed'),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ['admin', 'users'] }),
  });
  return (
    <tr>
      <th scope="row">{user.username}</th>
      <td>{user.email}</td>
      <td>
        <OptionSelect
          label={`Role of ${user.username}`}
          options={ROLES}
          value={user.role}
          isDisabled={self || change.isPending}
          onChange={(value) => change.mutate({ role: value as Role })}
        />
      </td>
      <td>{user.is_active ? 'Active' : 'Deactivated'}</td>
      <td>
        {!self && (
          <Button onPress={() => change.mutate({ is_active: !user.is_active })} isDisabled={change.isPending}>
            {user.is_active ? `Deactivate ${user.username}` : `Reactivate ${user.username}`}
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
  const [email, setEmail] = useState('');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState<Role>('operator');
  const create = useMutation({
    mutationFn: async () =>
      unwrap(await api.POST('/api/users', { body: { email, username, password, role } }), 'Not created'),
    onSuccess: () => {
      setOpen(false);
      setEmail('');
      setUsername('');
      setPassword('');
      void queryClient.invalidateQueries({ queryKey: ['admin', 'users'] });
    },
  });
  return (
    <>
      <Button
        className="primary"
        onPress={() => {
          create.reset();
          setOpen(true);
        }}
      >
        New user
      </Button>
      <FormDialog title="New user" isOpen={open} onOpenChange={setOpen}>
        <Form
          className="stack"
          onSubmit={(event) => {
            event.preventDefault();
            create.mutate();
          }}
        >
          <TextField value={email} onChange={setEmail} type="email" isRequired>
            <Label>Email</Label>
            <Input />
          </TextField>
          <TextField value={username} onChange={setUsername} isRequired>
            <Label>Username</Label>
            <Input />
          </TextField>
          <TextField value={password} onChange={setPassword} type="password" isRequired minLength={10}>
            <Label>Password</Label>
            <Input autoComplete="new-password" />
          </TextField>
          <OptionSelect label="Role" options={ROLES} value={role} onChange={(value) => setRole(value as Role)} />
          <ErrorText error={create.error} />
          <DialogButtons submit="Create" pending={create.isPending} />
        </Form>
      </FormDialog>
    </>
  );
}
