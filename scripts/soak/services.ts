import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import pg from 'pg';
import { killGroup, ManagedProcess, mustRun, sleep } from './proc.js';

/**
 * The soak's own PostgreSQL and Redis: private data folders, their own ports on 127.0.0.1, never the
 * machine's shared servers (other people's tests run on 5432 and 6379).
 */

/** Debian keeps server binaries per major version; the newest installed one, unless SOAK_PG_BIN says. */
function postgresBinaries(): string {
  if (process.env.SOAK_PG_BIN) return process.env.SOAK_PG_BIN;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => /^\d+$/.test(v)) : [];
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  if (!newest)
    throw new Error(`no PostgreSQL server under ${root}: run scripts/test-services.sh install, or set SOAK_PG_BIN`);
  return path.join(root, newest, 'bin');
}
const PG_BIN = postgresBinaries();
const isRoot = process.getuid?.() === 0;

/** As root, PostgreSQL refuses to run: its commands run as the `postgres` user. */
function asPostgres(command: string, args: string[]): [string, string[]] {
  return isRoot ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
}

export class SoakPostgres {
  readonly dataDir: string;
  readonly socketDir: string;
  readonly logFile: string;
  readonly database = 'service_desk_soak';

  constructor(
    root: string,
    readonly port: number,
    logDir: string,
  ) {
    this.dataDir = path.join(root, 'pgdata');
    this.socketDir = path.join(root, 'pgsocket');
    this.logFile = path.join(logDir, 'postgres.log');
  }

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${this.database}`;
  }

  private async pgCtl(args: string[], timeoutMs = 60_000): Promise<string> {
    const [command, argv] = asPostgres(path.join(PG_BIN, 'pg_ctl'), ['-D', this.dataDir, ...args]);
    return mustRun(command, argv, { timeoutMs });
  }

  async init(): Promise<void> {
    mkdirSync(this.dataDir, { mode: 0o700 });
    mkdirSync(this.socketDir, { mode: 0o700 });
    if (isRoot) await mustRun('chown', ['postgres:postgres', this.dataDir, this.socketDir, path.dirname(this.logFile)]);
    const [command, argv] = asPostgres(path.join(PG_BIN, 'initdb'), [
      '-D',
      this.dataDir,
      '-U',
      'postgres',
      '-A',
      'trust',
      '-E',
      'UTF8',
      '--locale=C',
      '--no-sync',
      '--no-instructions',
    ]);
    await mustRun(command, argv, { timeoutMs: 120_000 });
    appendFileSync(
      path.join(this.dataDir, 'postgresql.conf'),
      [
        '',
        '# soak: private instance on loopback',
        "listen_addresses = '127.0.0.1'",
        `port = ${this.port}`,
        `unix_socket_directories = '${this.socketDir}'`,
        'max_connections = 100',
        '',
      ].join('\n'),
    );
  }

  async start(): Promise<void> {
    await this.pgCtl(['-l', this.logFile, '-w', '-t', '60', 'start']);
  }

  /** `fast`: clients are disconnected, open transactions rolled back, a clean shutdown. */
  async stop(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    await this.pgCtl(['-m', mode, '-w', '-t', '60', 'stop']);
  }

  get running(): boolean {
    return existsSync(path.join(this.dataDir, 'postmaster.pid'));
  }

  async createDatabase(): Promise<void> {
    const client = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${this.port}/postgres` });
    await client.connect();
    try {
      await client.query(`create database ${this.database}`);
    } finally {
      await client.end();
    }
  }

  /** Best effort, for clean-up: a fast stop, else the postmaster killed by its pid file. */
  async destroy(): Promise<void> {
    if (!this.running) return;
    try {
      await this.stop('fast');
      return;
    } catch {
      // fall through
    }
    try {
      const pid = Number(readFileSync(path.join(this.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
      if (Number.isSafeInteger(pid) && pid > 1) process.kill(pid, 'SIGQUIT');
    } catch {
      // gone
    }
  }
}

/** One command on a fresh connection, inline protocol; resolves with the first reply line. */
function redisCommand(port: number, command: string, timeoutMs = 2_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let reply = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`redis ${command}: no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('connect', () => socket.write(`${command}\r\n`));
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString();
      if (reply.includes('\r\n')) {
        clearTimeout(timer);
        socket.end();
        resolve(reply.split('\r\n')[0] ?? '');
      }
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    // SHUTDOWN closes the connection without a reply.
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(reply.split('\r\n')[0] ?? '');
    });
  });
}

export class SoakRedis {
  private process: ManagedProcess | undefined;
  readonly logFile: string;

  constructor(
    private readonly root: string,
    readonly port: number,
    logDir: string,
  ) {
    this.logFile = path.join(logDir, 'redis.log');
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.process?.pid;
  }

  async start(): Promise<void> {
    const dir = path.join(this.root, 'redis');
    mkdirSync(dir, { recursive: true });
    this.process = ManagedProcess.start(
      'redis',
      'redis-server',
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        dir,
        '--daemonize',
        'no',
      ],
      { env: process.env, logFile: this.logFile },
    );
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      if (!this.process.running) {
        throw new Error(`redis-server exited at start:\n${this.process.lastLines(20).join('\n')}`);
      }
      const pong = await redisCommand(this.port, 'PING').catch(() => '');
      if (pong === '+PONG') return;
      await sleep(100);
    }
    throw new Error(`redis-server did not answer PING on ${this.port} within 15 s`);
  }

  /** SHUTDOWN NOSAVE: everything in it is gone (queued jobs too), as after a crash without persistence. */
  async shutdown(): Promise<void> {
    const current = this.process;
    if (!current?.running) return;
    await redisCommand(this.port, 'SHUTDOWN NOSAVE').catch(() => '');
    const stopped = await Promise.race([current.exited.then(() => true), sleep(10_000).then(() => false)]);
    if (!stopped) await current.kill();
    await current.stop('SIGKILL', 0);
  }

  async destroy(): Promise<void> {
    if (this.process?.running) await this.process.stop('SIGTERM', 5_000);
    killGroup(this.process?.pid, 'SIGKILL');
  }
}

/** One inline command against the soak's own Redis (diagnostics); the first reply line, or the error. */
export async function redisQuery(port: number, command: string): Promise<string> {
  return redisCommand(port, command).catch((error: unknown) => `error: ${String(error)}`);
}
