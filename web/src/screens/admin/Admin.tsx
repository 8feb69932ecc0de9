import type { Me } from '../../api/client';
import { useT } from '../../i18n';
import { followLink, useLocation } from '../../router';
import { CannedResponses } from './Canned';
import { Groups } from './Groups';
import { Mail } from './Mail';
import { SlaPolicies } from './Sla';
import { Users } from './Users';
import { Webhooks } from './Webhooks';

const SECTIONS = [
  { path: 'users', label: 'Users', Screen: Users },
  { path: 'groups', label: 'Groups', Screen: Groups },
  { path: 'canned', label: 'Canned responses', Screen: CannedResponses },
  { path: 'sla', label: 'SLA policies', Screen: SlaPolicies },
  { path: 'webhooks', label: 'Webhooks', Screen: Webhooks },
  { path: 'mail', label: 'Mail', Screen: Mail },
] as const;

/** The admin screens: their own chunk, loaded only when an admin opens /admin. */
export default function Admin({ me }: { me: Me }) {
  const { path } = useLocation();
  const t = useT();
  if (me.role !== 'admin') {
    return (
      <section className="stack">
        <h1>{t('Admin')}</h1>
        <p role="alert">{t('You are not allowed to see this page: it is for admins only.')}</p>
      </section>
    );
  }
  const current = SECTIONS.find((section) => path === `/admin/${section.path}`) ?? SECTIONS[0];
  const { Screen } = current;
  return (
    <div className="admin">
      <nav aria-label={t('Admin sections')} className="admin-nav">
        <ul>
          {SECTIONS.map((section) => (
            <li key={section.path}>
              <a
                href={`/admin/${section.path}`}
                aria-current={section === current ? 'page' : undefined}
                onClick={(event) => followLink(event, `/admin/${section.path}`)}
              >
                {t.text(section.label)}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <section className="stack admin-body">
        <h1>{t.text(current.label)}</h1>
        <Screen me={me} />
      </section>
    </div>
  );
}
