import { useState } from 'react';
import { Button, Form, Input, Label, TextField } from 'react-aria-components';
import { api, detailOf } from '../api/client';
import { useT } from '../i18n';

export function SignIn({ onSignedIn }: { onSignedIn: (token: string) => void }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const t = useT();

  async function submit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setBusy(true);
    setProblem(null);
    try {
      const { data, error } = await api.POST('/api/auth/token', { body: { username, password } });
      if (data) onSignedIn(data.access_token);
      else setProblem(detailOf(error, t('Could not sign in')));
    } catch {
      setProblem(t('The server cannot be reached'));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="narrow">
      <h1>{t('Sign in')}</h1>
      <Form onSubmit={submit} className="stack">
        <TextField value={username} onChange={setUsername} isRequired autoComplete="username">
          <Label>{t('Email or username')}</Label>
          <Input />
        </TextField>
        <TextField value={password} onChange={setPassword} isRequired type="password" autoComplete="current-password">
          <Label>{t('Password')}</Label>
          <Input />
        </TextField>
        {problem && <p role="alert">{problem}</p>}
        <Button type="submit" isDisabled={busy} className="primary">
          {t('Sign in')}
        </Button>
      </Form>
    </main>
  );
}
