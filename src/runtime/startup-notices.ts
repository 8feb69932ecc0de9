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
                : 'no SMTP settings here: answers are mailed by a worker that has them (queued in the outbox until one does)',
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
  if (!config.limits.enabled && role === 'api') {
    notices.push({ level: 'warn', setting: 'RATE_LIMITS', msg: 'every rate limit is off (RATE_LIMITS=off)' });
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

export function logStartupNotices(log: FastifyBaseLogger, config: Config, role: 'api' | 'worker'): void {
  for (const { level, setting, msg } of startupNotices(config, role)) log[level]({ setting }, msg);
}
