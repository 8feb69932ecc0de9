import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { type Static, Type } from 'typebox';
import { Value } from 'typebox/value';
import { isCommonPassword, MIN_PASSWORD_LENGTH } from './lib/password-policy.js';
import { secretKeyProblem } from './lib/secret-strength.js';

/**
 * The flat environment, as an operator writes it. Keys are matched case-insensitively because the seed's
 * `.env` example uses lower case (`database_url`) while twelve-factor deployments use upper case.
 */
const EnvSchema = Type.Object({
  environment: Type.Enum(['development', 'production', 'test'], { default: 'development' }),
  app_name: Type.String({ minLength: 1, default: 'Service Desk' }),
  host: Type.String({ minLength: 1, default: '127.0.0.1' }),
  port: Type.Integer({ minimum: 0, maximum: 65535, default: 8000 }),
  data_dir: Type.String({ minLength: 1, default: './data' }),
  database_url: Type.Optional(Type.String({ pattern: '^postgres(ql)?(\\+[a-z0-9]+)?://' })),
  database_pool_size: Type.Integer({ minimum: 1, maximum: 200, default: 10 }),
  /** false: a rolling deploy runs `npm run migrate` first; the API then only checks that nothing is pending. */
  migrate_on_start: Type.Boolean({ default: true }),
  secret_key: Type.Optional(Type.String({ minLength: 32 })),
  access_token_expire_minutes: Type.Integer({ minimum: 1, maximum: 60 * 24 * 30, default: 60 }),
  admin_email: Type.Optional(Type.String({ format: 'email' })),
  admin_password: Type.Optional(Type.String({ minLength: MIN_PASSWORD_LENGTH })),
  /** `off` lifts every limit (load tests, benchmarks, bulk imports); nothing defaults to it. */
  rate_limits: Type.Enum(['on', 'off'], { default: 'on' }),
  login_rate_limit_per_minute: Type.Integer({ minimum: 1, default: 20 }),
  login_failures_per_account: Type.Integer({ minimum: 1, default: 10 }),
  login_failures_per_account_all_addresses: Type.Integer({ minimum: 1, default: 100 }),
  signup_limit_per_hour: Type.Integer({ minimum: 1, default: 10 }),
  /** `true`, `false`, a hop count, or the proxies' addresses and CIDRs (comma-separated): see trustProxy(). */
  trust_proxy: Type.String({ minLength: 1, default: 'false' }),
  request_timeout_seconds: Type.Integer({ minimum: 1, maximum: 3600, default: 30 }),
  headers_timeout_seconds: Type.Integer({ minimum: 1, maximum: 300, default: 10 }),
  /** Live event streams (src/live): a comment this often keeps proxies from closing a quiet stream. */
  live_heartbeat_seconds: Type.Integer({ minimum: 1, maximum: 300, default: 15 }),
  /** How often an open stream's account is checked again (deactivated, new token version, expired token). */
  live_recheck_seconds: Type.Integer({ minimum: 1, maximum: 3600, default: 60 }),
  /** Browser origins allowed to call the API (comma-separated, or *); empty: no cross-origin access. */
  cors_origins: Type.String({ default: '' }),
  redis_url: Type.Optional(Type.String({ pattern: '^rediss?://' })),
  redis_host: Type.Optional(Type.String({ minLength: 1 })),
  redis_port: Type.Integer({ minimum: 1, maximum: 65535, default: 6379 }),
  /** Namespace of this installation's keys in Redis: two installations can share one server. */
  redis_prefix: Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$', default: 'service-desk' }),
  smtp_host: Type.Optional(Type.String({ minLength: 1 })),
  smtp_port: Type.Integer({ minimum: 1, maximum: 65535, default: 587 }),
  smtp_user: Type.Optional(Type.String()),
  smtp_password: Type.Optional(Type.String()),
  smtp_from_email: Type.Optional(Type.String({ format: 'email' })),
  smtp_from_name: Type.Optional(Type.String()),
  /** true: TLS from the first byte (port 465). false: plain, upgraded with STARTTLS when offered. */
  smtp_secure: Type.Optional(Type.Boolean()),
  /** Refuse to send over a connection that could not be upgraded with STARTTLS. */
  smtp_require_tls: Type.Boolean({ default: false }),
  smtp_tls_ca: Type.Optional(Type.String({ minLength: 1 })),
  email_imap_host: Type.Optional(Type.String({ minLength: 1 })),
  email_imap_port: Type.Integer({ minimum: 1, maximum: 65535, default: 993 }),
  email_imap_user: Type.Optional(Type.String()),
  email_imap_password: Type.Optional(Type.String()),
  email_imap_secure: Type.Optional(Type.Boolean()),
  email_imap_tls_ca: Type.Optional(Type.String({ minLength: 1 })),
  email_imap_folder: Type.String({ minLength: 1, default: 'INBOX' }),
  email_poll_seconds: Type.Integer({ minimum: 1, maximum: 3600, default: 30 }),
  /** The old name of email_max_message_bytes, still read. */
  email_max_bytes: Type.Optional(Type.Integer({ minimum: 1024 })),
  email_max_message_bytes: Type.Optional(Type.Integer({ minimum: 1024 })),
  email_max_attachments: Type.Integer({ minimum: 0, maximum: 1000, default: 20 }),
  /** authserv-id of the receiving mail server whose Authentication-Results header is trusted (RFC 8601). */
  email_trusted_authserv_id: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9.-]{1,253}$' })),
  email_new_tickets_per_sender_per_hour: Type.Integer({ minimum: 1, default: 10 }),
  email_acknowledgements_per_hour: Type.Integer({ minimum: 0, default: 200 }),
  tickets_per_user_per_hour: Type.Integer({ minimum: 1, default: 30 }),
  messages_per_user_per_hour: Type.Integer({ minimum: 1, default: 300 }),
  /** Where people reach the service (the web console), for links in mail: https://desk.example.com */
  public_url: Type.Optional(Type.String({ pattern: '^https?://[^\\s]+$' })),
  email_auto_reply_limit_per_hour: Type.Integer({ minimum: 0, default: 5 }),
  email_send_max_attempts: Type.Integer({ minimum: 1, maximum: 100, default: 10 }),
  email_retry_base_seconds: Type.Number({ minimum: 0.1, maximum: 3600, default: 30 }),
  /** The group (by name, any case) tickets opened by mail go to. */
  email_default_group: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  /** Seconds between a webhook delivery's attempts, comma-separated: one retry per entry. */
  webhook_retry_schedule: Type.String({
    pattern: '^\\s*\\d{1,6}(\\s*,\\s*\\d{1,6}){0,29}\\s*$',
    default: '5,300,1800,7200,18000,36000,36000',
  }),
  /** Lets webhooks reach loopback, private and link-local addresses (tests, a receiver on the same network). */
  webhook_allow_private_networks: Type.Boolean({ default: false }),
  /** How long one attempt may take, connection to the end of the answer. */
  webhook_timeout_seconds: Type.Integer({ minimum: 1, maximum: 60, default: 10 }),
  /** How often the `sweep-sla` job looks for SLA targets that came due (a breach is noticed within this). */
  sla_sweep_interval_seconds: Type.Integer({ minimum: 1, maximum: 3600, default: 30 }),
  /** Prometheus `/metrics` of an API process on its own listener (HOST:METRICS_PORT); unset: none. */
  metrics_port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
  /** A worker's `/health`, `/ready` and `/metrics` (HOST:WORKER_HEALTH_PORT); unset: none. */
  worker_health_port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
  log_level: Type.Enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { default: 'info' }),
});
type Env = Static<typeof EnvSchema>;

export interface Config {
  environment: Env['environment'];
  appName: string;
  http: {
    host: string;
    port: number;
    /** Fastify's `trustProxy`: whom to believe about the client's address in X-Forwarded-For. */
    trustProxy: TrustProxy;
    corsOrigins: string[] | '*';
    /** Until the whole request (headers and body) has arrived, and until its headers have. */
    requestTimeoutMs: number;
    headersTimeoutMs: number;
  };
  /**
   * Operations listeners, apart from the public API port and off by default: an API's Prometheus metrics,
   * a worker's health checks and metrics (runtime/ops-server.ts). Both listen on `http.host`.
   */
  ops: { metricsPort: number | undefined; workerHealthPort: number | undefined };
  /** Live event streams: heartbeat and account re-check periods. */
  live: { heartbeatMs: number; recheckMs: number };
  /** PGlite folder, and home of the generated development secret. */
  dataDir: string;
  /** `undefined` selects the embedded PGlite database in `dataDir`. */
  databaseUrl: string | undefined;
  databasePoolSize: number;
  /** Apply pending migrations at start-up (else refuse to start while any is pending). */
  migrateOnStart: boolean;
  auth: {
    secretKey: string;
    /** The key was generated into DATA_DIR (development), not configured: no other machine has it. */
    secretKeyGenerated: boolean;
    tokenTtlSeconds: number;
  };
  limits: LimitsConfig;
  admin: { email: string; password: string } | undefined;
  /** Where people reach the service, for links in mail; unset: mails carry the code and the API call. */
  publicUrl: string | undefined;
  logLevel: Env['log_level'];
  /** Unset: jobs run inside the API process. */
  redisUrl: string | undefined;
  redisPrefix: string;
  mail: MailConfig;
  webhooks: WebhookConfig;
  /** SLA breaches: how often the sweep runs (every process that takes jobs schedules it with this). */
  sla: { sweepIntervalMs: number };
}

export interface WebhookConfig {
  /** Milliseconds to wait before each retry; its length is the number of retries. */
  retryScheduleMs: number[];
  allowPrivateNetworks: boolean;
  timeoutMs: number;
}

/** `false`: the peer is the client; `true`: any X-Forwarded-For; a hop count; or the proxies' addresses/CIDRs. */
export type TrustProxy = boolean | number | string[];

/** Limits against abuse (docs/security.md). `enabled: false` is RATE_LIMITS=off: none applies. */
/** Every limit; `enabled` false when RATE_LIMITS=off, and every part honours it. */
export interface LimitsConfig {
  enabled: boolean;
  /** Login attempts per client address per minute, whatever the account. */
  loginPerAddressPerMinute: number;
  /** Failed logins to one account from one address before each further attempt waits a growing delay. */
  loginFailuresPerAccount: number;
  /** Failed logins to one account from all addresses before attempts from new addresses are spaced out. */
  loginFailuresPerAccountAllAddresses: number;
  /** Sign-ups (POST /api/users without a staff token) per client address per hour. */
  signupsPerAddressPerHour: number;
  /** Tickets and messages one account may write through the API per hour. */
  ticketsPerUserPerHour: number;
  messagesPerUserPerHour: number;
}

export interface TlsOptions {
  /** PEM of a certificate authority to trust besides the system's (a self-signed server). */
  ca: string | undefined;
}

export interface MailConfig {
  /** The support address: outgoing From and Reply-To, and what counts as "our own" mail. */
  supportAddress: string | undefined;
  fromName: string;
  /** Where people reach the service (PUBLIC_URL), for links in mail. */
  publicUrl: string | undefined;
  smtp:
    | {
        host: string;
        port: number;
        secure: boolean;
        requireTls: boolean;
        user: string | undefined;
        password: string | undefined;
        tls: TlsOptions;
      }
    | undefined;
  imap:
    | {
        host: string;
        port: number;
        secure: boolean;
        user: string;
        password: string;
        folder: string;
        tls: TlsOptions;
      }
    | undefined;
  pollSeconds: number;
  maxBytes: number;
  /** More files than this in one mail: logged as dropped, no ticket. */
  maxAttachments: number;
  /** The receiving server whose Authentication-Results are trusted; unset: sender authentication unknown. */
  trustedAuthservId: string | undefined;
  /** New tickets one sender address may open by mail per hour; more are logged as dropped. */
  newTicketsPerSenderPerHour: number;
  /** Acknowledgements per recipient per hour, and in all per hour. */
  autoReplyLimitPerHour: number;
  acknowledgementsPerHour: number;
  /** Limits on (RATE_LIMITS); off, the mail limits above are lifted too. */
  limitsEnabled: boolean;
  sendMaxAttempts: number;
  /** First retry after this long, doubling each time (capped at an hour). */
  retryBaseSeconds: number;
  /** EMAIL_DEFAULT_GROUP: the name (any case) of the group tickets opened by mail go to; unset: none. */
  defaultGroup: string | undefined;
}

export class ConfigError extends Error {}

type RawEnv = Record<string, string | undefined>;

/** Lower-cases keys; the process environment wins over the `.env` file, as with every dotenv loader. */
function mergeSources(processEnv: RawEnv, dotenvFile: string | undefined): Record<string, string> {
  const merged: Record<string, string> = {};
  const add = (source: RawEnv) => {
    for (const [key, value] of Object.entries(source)) {
      if (value !== undefined && value !== '') merged[key.toLowerCase()] = value;
    }
  };
  if (dotenvFile && existsSync(dotenvFile)) add(parseDotenv(readFileSync(dotenvFile)));
  add(processEnv);
  return merged;
}

function parseEnv(raw: Record<string, string>): Env {
  const known: Record<string, unknown> = {};
  for (const key of Object.keys(EnvSchema.properties)) {
    if (raw[key] !== undefined) known[key] = raw[key];
  }
  const value = Value.Convert(EnvSchema, Value.Default(EnvSchema, known));
  const problems = Value.Errors(EnvSchema, value);
  if (problems.length > 0) {
    const first = problems[0];
    const key = (first?.instancePath ?? '').replace(/^\//, '').toUpperCase() || 'configuration';
    throw new ConfigError(`Invalid configuration: ${key} ${first?.message ?? 'is invalid'}`);
  }
  return value as Env;
}

/** SQLAlchemy URLs such as `postgresql+asyncpg://` (the seed's example) mean plain PostgreSQL to us. */
export function normaliseDatabaseUrl(url: string): string {
  return url.replace(/^postgres(ql)?(\+[a-z0-9]+)?:\/\//i, 'postgres://');
}

/** In development a secret is generated once and kept, so tokens survive restarts without set-up. */
function developmentSecret(dataDir: string): string {
  const file = path.join(dataDir, 'secret_key');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return secret;
}

export function loadConfig(processEnv: RawEnv, dotenvFile?: string): Config {
  const env = parseEnv(mergeSources(processEnv, dotenvFile));
  if (env.environment === 'production') {
    if (!env.secret_key) {
      throw new ConfigError('Invalid configuration: SECRET_KEY is required when ENVIRONMENT=production');
    }
    // Development generates its key and tests set their own; a production key is someone's choice.
    const problem = secretKeyProblem(env.secret_key);
    if (problem) throw new ConfigError(`Invalid configuration: SECRET_KEY ${problem}`);
  }
  if (Boolean(env.admin_email) !== Boolean(env.admin_password)) {
    throw new ConfigError('Invalid configuration: ADMIN_EMAIL and ADMIN_PASSWORD must be set together');
  }
  if (env.admin_password && isCommonPassword(env.admin_password)) {
    throw new ConfigError('Invalid configuration: ADMIN_PASSWORD is a commonly used password; choose another');
  }
  if (env.headers_timeout_seconds > env.request_timeout_seconds) {
    throw new ConfigError('Invalid configuration: HEADERS_TIMEOUT_SECONDS must not exceed REQUEST_TIMEOUT_SECONDS');
  }
  const dataDir = path.resolve(env.data_dir);
  return {
    environment: env.environment,
    appName: env.app_name,
    http: {
      host: env.host,
      port: env.port,
      trustProxy: trustProxy(env.trust_proxy),
      corsOrigins: corsOrigins(env.cors_origins),
      requestTimeoutMs: env.request_timeout_seconds * 1000,
      headersTimeoutMs: env.headers_timeout_seconds * 1000,
    },
    ops: { metricsPort: env.metrics_port, workerHealthPort: env.worker_health_port },
    live: { heartbeatMs: env.live_heartbeat_seconds * 1000, recheckMs: env.live_recheck_seconds * 1000 },
    dataDir,
    databaseUrl: env.database_url ? normaliseDatabaseUrl(env.database_url) : undefined,
    databasePoolSize: env.database_pool_size,
    migrateOnStart: env.migrate_on_start,
    auth: {
      secretKey: env.secret_key ?? developmentSecret(dataDir),
      secretKeyGenerated: env.secret_key === undefined,
      tokenTtlSeconds: env.access_token_expire_minutes * 60,
    },
    limits: {
      enabled: env.rate_limits === 'on',
      loginPerAddressPerMinute: env.login_rate_limit_per_minute,
      loginFailuresPerAccount: env.login_failures_per_account,
      loginFailuresPerAccountAllAddresses: env.login_failures_per_account_all_addresses,
      signupsPerAddressPerHour: env.signup_limit_per_hour,
      ticketsPerUserPerHour: env.tickets_per_user_per_hour,
      messagesPerUserPerHour: env.messages_per_user_per_hour,
    },
    admin:
      env.admin_email && env.admin_password
        ? { email: env.admin_email.toLowerCase(), password: env.admin_password }
        : undefined,
    publicUrl: env.public_url?.replace(/\/+$/, ''),
    logLevel: env.log_level,
    redisUrl: env.redis_url ?? (env.redis_host ? `redis://${env.redis_host}:${env.redis_port}` : undefined),
    redisPrefix: env.redis_prefix,
    mail: mailConfig(env),
    webhooks: {
      retryScheduleMs: env.webhook_retry_schedule.split(',').map((entry) => Number(entry.trim()) * 1000),
      allowPrivateNetworks: env.webhook_allow_private_networks,
      timeoutMs: env.webhook_timeout_seconds * 1000,
    },
    sla: { sweepIntervalMs: env.sla_sweep_interval_seconds * 1000 },
  };
}

/**
 * An API process on PostgreSQL shares its database with other API processes (that is what PostgreSQL is
 * for here), and a token one of them signed must be good on the others: a key generated per machine made
 * every token 401 on the other machine, with nothing logged. So such a process needs a configured key.
 */
export function sharedSecretProblem(config: Config): string | undefined {
  if (!config.databaseUrl || !config.auth.secretKeyGenerated || config.environment === 'test') return undefined;
  return (
    'Invalid configuration: SECRET_KEY is required with DATABASE_URL. Every API process of one database must ' +
    'sign tokens with the same key (a generated one differs per machine): set the same SECRET_KEY everywhere ' +
    '(e.g. `openssl rand -base64 48`).'
  );
}

/** The named ranges Fastify's trustProxy (proxy-addr) understands. */
const PROXY_ADDR_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/**
 * TRUST_PROXY in the forms Fastify's `trustProxy` takes. `true` believes any X-Forwarded-For, so a client
 * picks its own address (and escapes every per-address limit) unless a proxy in front overwrites the header;
 * a hop count or the proxies' own addresses believe only what the proxies wrote.
 */
function trustProxy(value: string): TrustProxy {
  const text = value.trim().toLowerCase();
  if (text === 'true' || text === 'false') return text === 'true';
  if (/^\d+$/.test(text)) return Number(text);
  const entries = text
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  for (const entry of entries) {
    if (PROXY_ADDR_NAMES.has(entry)) continue;
    const [address, bits, extra] = entry.split('/');
    const family = isIP(address ?? '');
    const maxBits = family === 6 ? 128 : 32;
    const validBits = bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= maxBits);
    if (family === 0 || !validBits || extra !== undefined) {
      throw new ConfigError(
        `Invalid configuration: TRUST_PROXY has "${entry}", expected true, false, a hop count, or addresses/CIDRs`,
      );
    }
  }
  return entries;
}

function corsOrigins(value: string): string[] | '*' {
  if (value.trim() === '*') return '*';
  const origins = value
    .split(',')
    .map((origin) => origin.trim())
    .filter(Boolean);
  for (const origin of origins) {
    if (!/^https?:\/\/[^/\s]+$/.test(origin)) {
      throw new ConfigError(`Invalid configuration: CORS_ORIGINS has "${origin}", expected scheme://host[:port]`);
    }
  }
  return origins;
}

function readCa(key: string, file: string | undefined): TlsOptions {
  if (!file) return { ca: undefined };
  if (!existsSync(file)) throw new ConfigError(`Invalid configuration: ${key} names a file that does not exist`);
  return { ca: readFileSync(file, 'utf8') };
}

function mailConfig(env: Env): MailConfig {
  const supportAddress = (env.smtp_from_email ?? env.email_imap_user)?.toLowerCase();
  if (env.email_imap_host && (!env.email_imap_user || !env.email_imap_password)) {
    throw new ConfigError(
      'Invalid configuration: EMAIL_IMAP_USER and EMAIL_IMAP_PASSWORD are required with EMAIL_IMAP_HOST',
    );
  }
  if (env.smtp_host && !supportAddress) {
    throw new ConfigError('Invalid configuration: SMTP_FROM_EMAIL is required with SMTP_HOST');
  }
  return {
    supportAddress,
    fromName: env.smtp_from_name ?? env.app_name,
    publicUrl: env.public_url?.replace(/\/+$/, ''),
    smtp: env.smtp_host
      ? {
          host: env.smtp_host,
          port: env.smtp_port,
          secure: env.smtp_secure ?? env.smtp_port === 465,
          requireTls: env.smtp_require_tls,
          user: env.smtp_user || undefined,
          password: env.smtp_password || undefined,
          tls: readCa('SMTP_TLS_CA', env.smtp_tls_ca),
        }
      : undefined,
    imap:
      env.email_imap_host && env.email_imap_user && env.email_imap_password
        ? {
            host: env.email_imap_host,
            port: env.email_imap_port,
            secure: env.email_imap_secure ?? env.email_imap_port === 993,
            user: env.email_imap_user,
            password: env.email_imap_password,
            folder: env.email_imap_folder,
            tls: readCa('EMAIL_IMAP_TLS_CA', env.email_imap_tls_ca),
          }
        : undefined,
    pollSeconds: env.email_poll_seconds,
    maxBytes: env.email_max_message_bytes ?? env.email_max_bytes ?? 25 * 1024 * 1024,
    maxAttachments: env.email_max_attachments,
    trustedAuthservId: env.email_trusted_authserv_id?.toLowerCase(),
    newTicketsPerSenderPerHour: env.email_new_tickets_per_sender_per_hour,
    autoReplyLimitPerHour: env.email_auto_reply_limit_per_hour,
    acknowledgementsPerHour: env.email_acknowledgements_per_hour,
    limitsEnabled: env.rate_limits === 'on',
    sendMaxAttempts: env.email_send_max_attempts,
    retryBaseSeconds: env.email_retry_base_seconds,
    defaultGroup: env.email_default_group?.trim() || undefined,
  };
}

/** For entry points: the configuration, or its problem printed and exit code 1 (no stack trace for a typo). */
export function loadConfigOrExit(): Config {
  try {
    return loadConfig(process.env, '.env');
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
}
