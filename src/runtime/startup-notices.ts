import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config.js';

interface Notice {
  level: 'warn' | 'info';
  setting: string;
  msg: string;
}

/**
 * Every setting that turns a feature off, or weakens one, said once at start-up: a missing key must never
 * silently lose function (an API without SMTP settings answered 201 and never mailed the answer).
 */
export function startupNotices(config: Config, role: 'api' | 'worker'): Notice[] {
  const notices: Notice[] = [];
  const { mail } = config;
  const jobsHere = !config.redisUrl || role === 'worker';
  if (!mail.smtp) {
    notices.push(
      config.redisUrl
        ? {
            level: role === 'worker' ? 'warn' : 'info',
            setting: 'smtp_host',
            msg:
              role === 'worker'
                ? 'this worker cannot send mail (no smtp_host): another worker with SMTP settings must'
                : 'no SMTP settings here: answers go to the outbox, and a worker that has them mails them',
          }
        : {
            level: 'warn',
            setting: 'smtp_host',
            msg: 'outgoing mail is off (no smtp_host): answers are not emailed; verification and password-reset mails are unavailable',
          },
    );
  }
  if (!mail.imap && jobsHere) {
    notices.push({
      level: 'warn',
      setting: 'email_imap_host',
      msg: 'the support mailbox is not watched (no email_imap_host): no tickets by mail',
    });
  }
  const ingests = mail.imap !== undefined && jobsHere;
  if (ingests) notices.push(...mailboxNotices(config));
  if (!config.limits.enabled) {
    notices.push({
      level: 'warn',
      setting: 'RATE_LIMITS',
      msg:
        role === 'api'
          ? 'every rate limit is off (RATE_LIMITS=off)'
          : 'the caps on mail are off (RATE_LIMITS=off): new tickets per sender, acknowledgements in all',
    });
  }
  if (config.databaseUrl && !config.redisUrl && role === 'api') {
    notices.push({
      level: 'info',
      setting: 'REDIS_URL',
      msg: 'no REDIS_URL: this process runs the jobs and watches the mailbox itself, and counts limits on its own: run one API process on this database, or configure Redis and workers',
    });
  }
  if (config.webhooks.allowPrivateNetworks && jobsHere) {
    notices.push({
      level: 'warn',
      setting: 'WEBHOOK_ALLOW_PRIVATE_NETWORKS',
      msg: 'webhooks may reach loopback, private and link-local addresses',
    });
  }
  if (config.http.trustProxy === true && role === 'api') {
    notices.push({
      level: 'warn',
      setting: 'TRUST_PROXY',
      msg: 'any X-Forwarded-For is believed (TRUST_PROXY=true): per-address limits are only as good as the proxy in front',
    });
  }
  if (!config.publicUrl && mail.smtp) {
    notices.push({
      level: 'info',
      setting: 'PUBLIC_URL',
      msg: 'verification and password-reset mails carry a code but no link (no PUBLIC_URL)',
    });
  }
  return notices;
}

/** What a process that reads the support mailbox does not do, by its settings. */
function mailboxNotices({ mail }: Config): Notice[] {
  const notices: Notice[] = [];
  if (!mail.trustedAuthservId) {
    notices.push({
      level: 'info',
      setting: 'EMAIL_TRUSTED_AUTHSERV_ID',
      msg: "the receiving server's DMARC verdicts are not read (no EMAIL_TRUSTED_AUTHSERV_ID): a forged sender is not recognised",
    });
  }
  if (mail.maxAttachments === 0) {
    notices.push({
      level: 'warn',
      setting: 'EMAIL_MAX_ATTACHMENTS',
      msg: 'a mail with any attached file opens no ticket (EMAIL_MAX_ATTACHMENTS=0)',
    });
  }
  // The cap in all counts only while limits are on (RATE_LIMITS).
  for (const [setting, off] of [
    ['EMAIL_AUTO_REPLY_LIMIT_PER_HOUR', mail.autoReplyLimitPerHour === 0],
    ['EMAIL_ACKNOWLEDGEMENTS_PER_HOUR', mail.acknowledgementsPerHour === 0 && mail.limitsEnabled],
  ] as const) {
    if (off) {
      notices.push({ level: 'warn', setting, msg: `tickets opened by mail get no acknowledgement (${setting}=0)` });
    }
  }
  return notices;
}

export function logStartupNotices(log: FastifyBaseLogger, config: Config, role: 'api' | 'worker'): void {
  for (const { level, setting, msg } of startupNotices(config, role)) log[level]({ setting }, msg);
}
