import { useQuery, useQueryClient } from '@tanstack/react-query';
import { lazy, Suspense, useCallback, useEffect, useRef, useState } from 'react';
import { Button } from 'react-aria-components';
import { api, type Me, session, setUnauthorizedHandler } from './api/client';
import { useT } from './i18n';
import { Preferences } from './i18n/Preferences';
import { useLiveEvents } from './live';
import { followLink, navigate, useLocation } from './router';
import { Inbox } from './screens/Inbox';
import { firstFilterOf } from './screens/inbox/views';
import { SignIn } from './screens/SignIn';
import { OWN_TICKETS, prefetchTicketList } from './screens/TicketList';

// The ticket screen is its own chunk: the inbox's first load carries only what the list needs.
const TicketPage = lazy(() => import('./screens/TicketPage'));
const Portal = lazy(() => import('./screens/Portal'));
// Admin screens (web-admin): their own chunk, fetched only when /admin is opened.
const Admin = lazy(() => import('./screens/admin/Admin'));

export function App() {
  const [token, setToken] = useState(session.token());
  const queryClient = useQueryClient();

  const signOut = useCallback(() => {
    session.clear();
    setToken(null);
    queryClient.clear();
  }, [queryClient]);

  useEffect(() => setUnauthorizedHandler(signOut), [signOut]);

  if (!token) {
    return (
      <>
        <header className="topbar">
          <span className="brand">Service Desk</span>
          <Preferences />
        </header>
        <SignIn
          onSignedIn={(newToken) => {
            session.set(newToken);
            setToken(newToken);
          }}
        />
      </>
    );
  }
  return <SignedIn token={token} onSignOut={signOut} />;
}

function SignedIn({ token, onSignOut }: { token: string; onSignOut: () => void }) {
  const t = useT();
  const me = useQuery({
    queryKey: ['me', token],
    queryFn: async () => {
      const { data, error } = await api.GET('/api/users/me');
      if (error || !data) throw new Error(t('Could not load your account'));
      session.rememberRole(data.data.role);
      return data.data;
    },
  });
  useLiveEvents(token);
  const { path, search } = useLocation();
  const queryClient = useQueryClient();
  // The list the first screen shows is fetched beside the account, not after it (a round trip saved on
  // every sign-in and reload): the portal's for an address a customer used last, else the inbox's.
  const prefetched = useRef(false);
  useEffect(() => {
    if (prefetched.current || path !== '/') return;
    prefetched.current = true;
    const filter = session.wasCustomer() ? OWN_TICKETS : firstFilterOf(search);
    if (filter) prefetchTicketList(queryClient, filter, t);
  }, [path, search, queryClient, t]);

  if (me.isPending) return <p className="loading">{t('Loading…')}</p>;
  if (me.isError) {
    return (
      <main className="narrow">
        <p role="alert">{me.error.message}</p>
        <Button onPress={onSignOut}>{t('Sign out')}</Button>
      </main>
    );
  }
  const user: Me = me.data;
  const staff = user.role !== 'customer';
  const ticketMatch = /^\/tickets\/(\d+)$/.exec(path);

  return (
    <>
      <header className="topbar">
        <a
          href="/"
          className="brand"
          onClick={(event) => {
            event.preventDefault();
            navigate('/');
          }}
        >
          Service Desk
        </a>
        {/* web-admin: the Admin link, for admins only */}
        {user.role === 'admin' && (
          <a href="/admin" className="admin-link" onClick={(event) => followLink(event, '/admin')}>
            {t('Admin')}
          </a>
        )}
        <span className="who">
          {user.username} · {user.role}
        </span>
        <Preferences />
        <Button className="quiet" onPress={onSignOut}>
          {t('Sign out')}
        </Button>
      </header>
      <main>
        {path === '/admin' || path.startsWith('/admin/') ? (
          <Suspense fallback={<p className="loading">{t('Loading…')}</p>}>
            <Admin me={user} />
          </Suspense>
        ) : ticketMatch?.[1] ? (
          <Suspense fallback={<p className="loading">{t('Loading…')}</p>}>
            <TicketPage id={Number(ticketMatch[1])} staff={staff} />
          </Suspense>
        ) : staff ? (
          <Inbox />
        ) : (
          <Suspense fallback={<p className="loading">{t('Loading…')}</p>}>
            <Portal />
          </Suspense>
        )}
      </main>
    </>
  );
}
