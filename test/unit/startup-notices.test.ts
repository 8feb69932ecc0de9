import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { startupNotices } from '../../src/runtime/startup-notices.js';

const config = (env: Record<string, string> = {}) =>
  loadConfig({ DATA_DIR: mkdtempSync(path.join(tmpdir(), 'sd-notices-')), ...env });
const settings = (notices: { setting: string }[]) => notices.map((notice) => notice.setting);
const mail = {
  SMTP_HOST: 'smtp.example.com',
  SMTP_FROM_EMAIL: 'support@example.com',
  EMAIL_IMAP_HOST: 'imap.example.com',
  EMAIL_IMAP_USER: 'support@example.com',
  EMAIL_IMAP_PASSWORD: 'x',
  PUBLIC_URL: 'https://desk.example.com',
};

describe('start-up notices: every setting that turns a feature off is said once', () => {
  it('the embedded default says that mail is off and the mailbox unwatched', () => {
    const notices = startupNotices(config(), 'api');
    expect(settings(notices)).toEqual(['smtp_host', 'email_imap_host']);
    expect(notices[0]?.msg).toContain('answers are not emailed');
    expect(notices.every((notice) => notice.level === 'warn')).toBe(true);
  });

  it('a fully configured desk says nothing', () => {
    expect(startupNotices(config(mail), 'api')).toEqual([]);
    expect(startupNotices(config({ ...mail, REDIS_URL: 'redis://127.0.0.1:6379' }), 'worker')).toEqual([]);
  });

  it('an API in front of workers has no mail settings: it says who mails, and watches nothing itself', () => {
    const notices = startupNotices(config({ REDIS_URL: 'redis://127.0.0.1:6379' }), 'api');
    expect(notices).toEqual([
      {
        level: 'info',
        setting: 'smtp_host',
        msg: 'no SMTP settings here: answers are mailed by a worker that has them (queued in the outbox until one does)',
      },
    ]);
  });

  it('a worker without SMTP or IMAP says what it cannot do', () => {
    const notices = startupNotices(config({ REDIS_URL: 'redis://127.0.0.1:6379' }), 'worker');
    expect(settings(notices)).toEqual(['smtp_host', 'email_imap_host']);
    expect(notices[0]?.level).toBe('warn');
  });

  it('weakened safety is said too: limits off, private webhook targets, any X-Forwarded-For, no links in mails', () => {
    const notices = startupNotices(
      config({
        ...mail,
        PUBLIC_URL: '',
        RATE_LIMITS: 'off',
        WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
        TRUST_PROXY: 'true',
      }),
      'api',
    );
    expect(settings(notices)).toEqual(['RATE_LIMITS', 'WEBHOOK_ALLOW_PRIVATE_NETWORKS', 'TRUST_PROXY', 'PUBLIC_URL']);
  });
});
