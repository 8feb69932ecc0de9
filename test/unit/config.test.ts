import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, normaliseDatabaseUrl, sharedSecretProblem } from '../../src/config.js';

const tmp = () => mkdtempSync(path.join(tmpdir(), 'sd-config-'));

describe('config', () => {
  it('runs with nothing configured: embedded database, port 8000, loopback', () => {
    const dataDir = tmp();
    const config = loadConfig({ DATA_DIR: dataDir });
    expect(config.databaseUrl).toBeUndefined();
    expect(config.http).toEqual({
      host: '127.0.0.1',
      port: 8000,
      trustProxy: false,
      corsOrigins: [],
      requestTimeoutMs: 30_000,
      headersTimeoutMs: 10_000,
    });
    expect(config.dataDir).toBe(dataDir);
    expect(config.admin).toBeUndefined();
  });

  it("accepts the seed's .env file unchanged, lower-case keys and SQLAlchemy URL included", () => {
    const dir = tmp();
    const file = path.join(dir, '.env');
    writeFileSync(
      file,
      [
        // The seed's example, verbatim.
        'app_name="Service Desk"',
        'environment="development"',
        'database_url="postgresql+asyncpg://postgres:postgres@localhost:5432/service_desk_db"',
        'smtp_host="smtp.example.com"',
        'smtp_port=587',
        'smtp_user="your-email@example.com"',
        'smtp_password="your-password"',
        'smtp_from_email="your-email@example.com"',
        'email_imap_host="imap.example.com"',
        'email_imap_port=993',
        'email_imap_user="your-email@example.com"',
        'email_imap_password="your-password"',
        'redis_host="redis"',
        'redis_port=6379',
        '',
        'POSTGRES_USER="postgres"',
        'POSTGRES_PASSWORD="postgres"',
        'POSTGRES_DB="service_desk_db"',
        `data_dir="${dir}"`,
      ].join('\n'),
    );
    const config = loadConfig({}, file);
    expect(config.databaseUrl).toBe('postgres://postgres:postgres@localhost:5432/service_desk_db');
    expect(config.appName).toBe('Service Desk');
    expect(config.environment).toBe('development');
    expect(config.redisUrl).toBe('redis://redis:6379');
    expect(config.mail.supportAddress).toBe('your-email@example.com');
    expect(config.mail.smtp).toMatchObject({ host: 'smtp.example.com', port: 587, secure: false });
    expect(config.mail.imap).toMatchObject({ host: 'imap.example.com', port: 993, secure: true, folder: 'INBOX' });
  });

  it('lets the process environment override the .env file', () => {
    const dir = tmp();
    const file = path.join(dir, '.env');
    writeFileSync(file, `PORT=9000\nDATA_DIR=${dir}\n`);
    expect(loadConfig({ port: '9100' }, file).http.port).toBe(9100);
  });

  it.each([
    [{ PORT: 'eighty' }, /PORT/],
    [{ PORT: '70000' }, /PORT/],
    [{ ENVIRONMENT: 'staging' }, /ENVIRONMENT/],
    [{ DATABASE_URL: 'mysql://x' }, /DATABASE_URL/],
    [{ ADMIN_EMAIL: 'not-an-email', ADMIN_PASSWORD: 'longenough' }, /ADMIN_EMAIL/],
    [{ ADMIN_EMAIL: 'admin@example.com' }, /ADMIN_PASSWORD/],
    [{ SECRET_KEY: 'short' }, /SECRET_KEY/],
  ])('stops on a bad value and names the key: %o', (env, key) => {
    expect(() => loadConfig({ DATA_DIR: tmp(), ...env })).toThrow(ConfigError);
    expect(() => loadConfig({ DATA_DIR: tmp(), ...env })).toThrow(key);
  });

  it('requires SECRET_KEY in production', () => {
    expect(() => loadConfig({ ENVIRONMENT: 'production', DATA_DIR: tmp() })).toThrow(/SECRET_KEY is required/);
    // A random-looking key: production also judges its entropy (test/unit/secret-strength.test.ts).
    const secret = 'q7Rf2LmX9vTz4KpW8nHd3YbC6sJg1EaU5oNi0ZyV';
    expect(loadConfig({ ENVIRONMENT: 'production', SECRET_KEY: secret }).auth.secretKey).toBe(secret);
  });

  it('an API on PostgreSQL needs a configured SECRET_KEY: a generated one would differ per machine', () => {
    const url = 'postgres://sd@127.0.0.1/desk';
    const shared = loadConfig({ DATA_DIR: tmp(), DATABASE_URL: url });
    expect(sharedSecretProblem(shared)).toMatch(/SECRET_KEY is required with DATABASE_URL/);
    expect(sharedSecretProblem(loadConfig({ DATA_DIR: tmp(), DATABASE_URL: url, SECRET_KEY: 'k'.repeat(40) }))).toBe(
      undefined,
    );
    // The embedded database is one process's own: its generated key is shared by nobody.
    expect(sharedSecretProblem(loadConfig({ DATA_DIR: tmp() }))).toBeUndefined();
  });

  it('SLA_SWEEP_INTERVAL_SECONDS defaults to 30 s and takes 1 to 3600 seconds', () => {
    expect(loadConfig({ DATA_DIR: tmp() }).sla.sweepIntervalMs).toBe(30_000);
    expect(loadConfig({ DATA_DIR: tmp(), SLA_SWEEP_INTERVAL_SECONDS: '2' }).sla.sweepIntervalMs).toBe(2_000);
    for (const bad of ['0', '3601', 'often']) {
      expect(() => loadConfig({ DATA_DIR: tmp(), SLA_SWEEP_INTERVAL_SECONDS: bad })).toThrow(
        /SLA_SWEEP_INTERVAL_SECONDS/,
      );
    }
  });

  it("webhooks: the issue's retry schedule (5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h) and a 10 s timeout by default", () => {
    const { webhooks } = loadConfig({ DATA_DIR: tmp() });
    const [s, m, h] = [1000, 60_000, 3_600_000];
    expect(webhooks.retryScheduleMs).toEqual([5 * s, 5 * m, 30 * m, 2 * h, 5 * h, 10 * h, 10 * h]);
    expect(webhooks.timeoutMs).toBe(10_000);
    expect(webhooks.allowPrivateNetworks).toBe(false);
    expect(loadConfig({ DATA_DIR: tmp(), WEBHOOK_RETRY_SCHEDULE: '1,1,1' }).webhooks.retryScheduleMs).toEqual([
      1000, 1000, 1000,
    ]);
    for (const bad of ['soon', '5,,5', '-1', '1.5']) {
      expect(() => loadConfig({ DATA_DIR: tmp(), WEBHOOK_RETRY_SCHEDULE: bad })).toThrow(/WEBHOOK_RETRY_SCHEDULE/);
    }
  });

  it('MIGRATE_ON_START defaults to true and takes false', () => {
    expect(loadConfig({ DATA_DIR: tmp() }).migrateOnStart).toBe(true);
    expect(loadConfig({ DATA_DIR: tmp(), MIGRATE_ON_START: 'false' }).migrateOnStart).toBe(false);
    expect(() => loadConfig({ DATA_DIR: tmp(), MIGRATE_ON_START: 'sometimes' })).toThrow(/MIGRATE_ON_START/);
  });

  it('generates a development secret once, keeps it private, and reuses it', () => {
    const dataDir = tmp();
    const first = loadConfig({ DATA_DIR: dataDir }).auth.secretKey;
    const file = path.join(dataDir, 'secret_key');
    expect(existsSync(file)).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(first.length).toBeGreaterThanOrEqual(32);
    expect(loadConfig({ DATA_DIR: dataDir }).auth.secretKey).toBe(first);
    expect(readFileSync(file, 'utf8').trim()).toBe(first);
  });

  it.each([
    ['postgresql+asyncpg://u:p@h:5432/db', 'postgres://u:p@h:5432/db'],
    ['postgresql+psycopg2://u@h/db', 'postgres://u@h/db'],
    ['postgresql://u@h/db', 'postgres://u@h/db'],
    ['postgres://u@h/db', 'postgres://u@h/db'],
  ])('normalises %s', (input, expected) => {
    expect(normaliseDatabaseUrl(input)).toBe(expected);
  });
});
