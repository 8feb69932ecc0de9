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
  EMAIL_TRUSTED_AUTHSERV_ID: 'mx.example.com',
};
const onPostgres = { DATABASE_URL: 'postgres://desk@db.example.com/desk', SECRET_KEY: 'k'.repeat(48) };

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
        msg: 'no SMTP settings here: answers go to the outbox, and a worker that has them mails them',
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

  it('the process that reads the mailbox says which mail rules are off: DMARC verdicts, files, acknowledgements', () => {
    const notices = startupNotices(
      config({
        ...mail,
        EMAIL_TRUSTED_AUTHSERV_ID: '',
        EMAIL_MAX_ATTACHMENTS: '0',
        EMAIL_AUTO_REPLY_LIMIT_PER_HOUR: '0',
        EMAIL_ACKNOWLEDGEMENTS_PER_HOUR: '0',
      }),
      'api',
    );
    expect(notices).toEqual([
      expect.objectContaining({ level: 'info', setting: 'EMAIL_TRUSTED_AUTHSERV_ID' }),
      expect.objectContaining({ level: 'warn', setting: 'EMAIL_MAX_ATTACHMENTS' }),
      expect.objectContaining({ level: 'warn', setting: 'EMAIL_AUTO_REPLY_LIMIT_PER_HOUR' }),
      expect.objectContaining({ level: 'warn', setting: 'EMAIL_ACKNOWLEDGEMENTS_PER_HOUR' }),
    ]);
    // An API in front of workers reads no mailbox: the workers say it.
    const front = { ...mail, EMAIL_TRUSTED_AUTHSERV_ID: '', REDIS_URL: 'redis://127.0.0.1:6379' };
    expect(startupNotices(config(front), 'api')).toEqual([]);
    expect(settings(startupNotices(config(front), 'worker'))).toEqual(['EMAIL_TRUSTED_AUTHSERV_ID']);
  });

  it('a worker with RATE_LIMITS=off says the mail caps are off', () => {
    const notices = startupNotices(
      config({ ...mail, REDIS_URL: 'redis://127.0.0.1:6379', RATE_LIMITS: 'off' }),
      'worker',
    );
    expect(notices).toEqual([
      expect.objectContaining({ setting: 'RATE_LIMITS', msg: expect.stringContaining('mail') }),
    ]);
  });

  it('an API on PostgreSQL without Redis says it is the only process that may serve that database', () => {
    expect(settings(startupNotices(config({ ...mail, ...onPostgres }), 'api'))).toEqual(['REDIS_URL']);
    expect(startupNotices(config({ ...mail, ...onPostgres, REDIS_URL: 'redis://127.0.0.1:6379' }), 'api')).toEqual([]);
  });
});
