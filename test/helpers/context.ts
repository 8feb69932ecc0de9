import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance, InjectOptions } from 'fastify';
import pg from 'pg';
import { inject } from 'vitest';
import { buildApp } from '../../src/app.js';
import { type Config, loadConfig } from '../../src/config.js';
import { type Database, openDatabase } from '../../src/db/client.js';
import type { TicketRow, UserRole, UserRow } from '../../src/db/schema.js';
import { hashPassword } from '../../src/lib/password.js';
import { messageRepository } from '../../src/messages/message-repository.js';
import { ticketRepository } from '../../src/tickets/ticket-repository.js';
import { userRepository } from '../../src/users/user-repository.js';
import { withDatabase } from './global-setup.js';
import { testPostgresUrl } from './services.js';

export const TEST_PASSWORD = 'correct-horse-battery';

export interface TestUser {
  user: UserRow;
  token: string;
  /** Headers with this user's bearer token. */
  auth: { authorization: string };
}

/** Response bodies, typed from the route schemas' static types. */
export type Ok<T> = { data: T; message: string };
export type Page<T> = { data: T[]; message: string; meta: { next_cursor: string | null } };

export interface Response<T = unknown> {
  status: number;
  headers: Record<string, unknown>;
  body: T;
}

// Hashing is deliberately slow; factories reuse one hash of the shared test password.
let passwordHash: Promise<string> | undefined;

/**
 * One per test file: its own database (a copy of the migrated snapshot or template), the app built on it,
 * and factories. Nothing is shared between files, so they run in any order and in parallel.
 */
export class TestContext {
  private counter = 0;

  private constructor(
    readonly app: FastifyInstance,
    readonly database: Database,
    readonly config: Config,
    /** The PostgreSQL URL of this file's database, when it has one (for child processes). */
    readonly databaseUrl: string | undefined,
    private readonly cleanup: () => Promise<void>,
  ) {}

  /**
   * `postgres: true` for tests that need a database shared between processes (a worker started as a child
   * process): PGlite lives inside one process. Uses TEST_DATABASE_URL, else the private test server.
   */
  static async create(env: Record<string, string> = {}, options: { postgres?: boolean } = {}): Promise<TestContext> {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'sd-ctx-'));
    const config = loadConfig({
      ENVIRONMENT: 'test',
      SECRET_KEY: 'test-secret-key-that-is-long-enough-0123456789',
      DATA_DIR: dataDir,
      ...env,
    });
    const { database, drop, url } = await openTestDatabase(options.postgres ?? false);
    const app = await buildApp({ config, database });
    await app.ready();
    return new TestContext(app, database, config, url, async () => {
      await app.close();
      await database.close();
      await drop();
      rmSync(dataDir, { recursive: true, force: true });
    });
  }

  async close(): Promise<void> {
    await this.cleanup();
  }

  get db() {
    return this.database.db;
  }

  unique(prefix: string): string {
    this.counter += 1;
    return `${prefix}${this.counter}_${randomBytes(3).toString('hex')}`;
  }

  /** An account whose address is verified, unless `verified: false` (a sign-up that never followed its link). */
  async newUser(
    role: UserRole = 'customer',
    overrides: Partial<Pick<UserRow, 'email' | 'username'>> & { verified?: boolean } = {},
  ): Promise<TestUser> {
    passwordHash ??= hashPassword(TEST_PASSWORD);
    const username = overrides.username ?? this.unique(role);
    const user = await userRepository.insert(this.db, {
      email: overrides.email ?? `${username.toLowerCase()}@example.com`,
      username,
      passwordHash: await passwordHash,
      role,
      emailVerifiedAt: overrides.verified === false ? null : new Date(),
    });
    return this.tokenFor(user);
  }

  tokenFor(user: UserRow): TestUser {
    const token = this.app.jwt.sign({ sub: String(user.id), ver: user.tokenVersion });
    return { user, token, auth: { authorization: `Bearer ${token}` } };
  }

  async newTicket(owner: TestUser, overrides: Partial<Pick<TicketRow, 'subject' | 'description'>> = {}) {
    return ticketRepository.insert(
      this.db,
      {
        subject: overrides.subject ?? this.unique('Subject '),
        description: overrides.description ?? 'Something is broken',
        creatorId: owner.user.id,
      },
      owner.user.id,
    );
  }

  async newMessage(ticket: TicketRow, author: TestUser, text = 'A message', internal = false) {
    return messageRepository.insert(this.db, {
      ticketId: ticket.id,
      authorId: author.user.id,
      text,
      internal,
      channel: 'api',
    });
  }

  /** `app.inject` with the JSON body parsed. */
  async request<T = Record<string, unknown>>(options: InjectOptions): Promise<Response<T>> {
    const response = await this.app.inject(options);
    let body: unknown = response.body;
    if (String(response.headers['content-type'] ?? '').includes('application/json')) body = response.json();
    return { status: response.statusCode, headers: response.headers, body: body as T };
  }
}

async function openTestDatabase(
  forcePostgres: boolean,
): Promise<{ database: Database; drop: () => Promise<void>; url: string | undefined }> {
  const template = inject('pgTemplate');
  const url = template || forcePostgres ? testPostgresUrl() : undefined;
  if (url) {
    const name = `sd_test_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(template ? `CREATE DATABASE ${name} TEMPLATE ${template}` : `CREATE DATABASE ${name}`);
    await admin.end();
    const database = await openDatabase({ kind: 'postgres', url: withDatabase(url, name), poolSize: 5 });
    if (!template) await database.migrate();
    return {
      database,
      url: withDatabase(url, name),
      drop: async () => {
        const client = new pg.Client({ connectionString: url });
        await client.connect();
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await client.end();
      },
    };
  }
  const snapshot = readFileSync(inject('pgliteSnapshot'));
  const database = await openDatabase({ kind: 'pglite', loadDataDir: new Blob([snapshot]) });
  return { database, drop: async () => undefined, url: undefined };
}
