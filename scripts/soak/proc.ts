import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, readdirSync, readFileSync, readlinkSync, type WriteStream } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

/** Process plumbing for the soak: children in their own process groups, logs to files, RSS from /proc. */

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
}

/**
 * Runs a command to completion in a new session (`detached`), so a daemon it leaves behind (the postmaster
 * that `pg_ctl start` forks) is not in our process group and never receives the terminal's Ctrl-C.
 */
export function runCommand(
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const timer = setTimeout(() => {
      killGroup(child.pid, 'SIGKILL');
      reject(new Error(`${command} ${args.join(' ')} did not finish within ${options.timeoutMs} ms\n${output}`));
    }, options.timeoutMs ?? 120_000);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, output });
    });
  });
}

/** Like runCommand, but a non-zero exit is an error that carries the command's output. */
export async function mustRun(
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {},
): Promise<string> {
  const result = await runCommand(command, args, options);
  if (result.code !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} failed (${result.signal ?? `exit ${result.code}`}):\n${result.output.trim()}`,
    );
  }
  return result.output;
}

/** Signals a whole process group we started (its id is the leader's pid); a gone group is not an error. */
export function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: already gone.
  }
}

/**
 * A long-running child (API, Redis, worker) in its own process group, its output appended to a log file
 * and, line by line, to an optional observer.
 */
export class ManagedProcess {
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private readonly log: WriteStream;
  private readonly tail: string[] = [];

  private constructor(
    readonly name: string,
    readonly child: ChildProcess,
    readonly logFile: string,
    onLine?: (line: string) => void,
  ) {
    this.log = createWriteStream(logFile, { flags: 'a' });
    this.log.on('error', () => undefined); // a log we cannot write must not end the soak
    const lines = (stream: NodeJS.ReadableStream | null) => {
      let pending = '';
      stream?.on('data', (chunk: Buffer) => {
        if (!this.log.writableEnded) this.log.write(chunk);
        pending += chunk.toString();
        const parts = pending.split('\n');
        pending = parts.pop() ?? '';
        for (const line of parts) {
          this.tail.push(line);
          if (this.tail.length > 200) this.tail.shift();
          onLine?.(line);
        }
      });
    };
    lines(child.stdout);
    lines(child.stderr);
    // 'close', not 'exit': by then the output is read to the end.
    this.exited = new Promise((resolve) => {
      child.once('close', (code, signal) => {
        this.exitInfo = { code, signal };
        resolve(this.exitInfo);
      });
      child.once('error', () => {
        this.exitInfo = { code: null, signal: null };
        resolve(this.exitInfo);
      });
    });
  }

  static start(
    name: string,
    command: string,
    args: string[],
    options: { cwd?: string; env: NodeJS.ProcessEnv; logFile: string; onLine?: (line: string) => void },
  ): ManagedProcess {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new ManagedProcess(name, child, options.logFile, options.onLine);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.exitInfo === undefined;
  }

  get exit(): { code: number | null; signal: NodeJS.Signals | null } | undefined {
    return this.exitInfo;
  }

  lastLines(count: number): string[] {
    return this.tail.slice(-count);
  }

  /** SIGKILL to the whole group at once: no clean-up, no goodbye (a crash). */
  async kill(): Promise<void> {
    killGroup(this.pid, 'SIGKILL');
    await this.exited;
  }

  /**
   * `signal` to the program itself (the deepest node process under npm/tsx wrappers, or the process we
   * started), as a supervisor would send it once; then SIGKILL to the whole group after `graceMs`.
   * Signalling the whole group would deliver it twice to a tsx program (tsx relays it to its child).
   */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 10_000): Promise<void> {
    if (this.running && this.pid !== undefined) {
      try {
        process.kill(nodeLeaf(this.pid), signal);
      } catch {
        // gone meanwhile
      }
      const timedOut = await Promise.race([this.exited.then(() => false), sleep(graceMs).then(() => true)]);
      if (timedOut) await this.kill();
    }
    // The leader may be gone while a grandchild lingers in the group.
    killGroup(this.pid, 'SIGKILL');
    if (!this.log.writableEnded) await new Promise<void>((resolve) => this.log.end(() => resolve()));
  }
}

/** A port free on 127.0.0.1: `preferred` when it is, else one the kernel picks. */
export async function freePort(preferred?: number): Promise<number> {
  const tryListen = (port: number) =>
    new Promise<number | undefined>((resolve) => {
      const server = net.createServer();
      server.once('error', () => resolve(undefined));
      server.listen(port, '127.0.0.1', () => {
        const address = server.address();
        const chosen = typeof address === 'object' && address ? address.port : undefined;
        server.close(() => resolve(chosen));
      });
    });
  if (preferred !== undefined) {
    const port = await tryListen(preferred);
    if (port !== undefined) return port;
  }
  const port = await tryListen(0);
  if (port === undefined) throw new Error('no free TCP port on 127.0.0.1');
  return port;
}

/** VmRSS of a process in KiB, or undefined when it is gone. */
export function rssKb(pid: number): number | undefined {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match?.[1] === undefined ? undefined : Number(match[1]);
  } catch {
    return undefined;
  }
}

/** Every live descendant of `pid` (children first), from /proc/<n>/stat. */
export function descendants(pid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The command name is in parentheses and may contain spaces: fields after the last ")" are fixed.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parentOf.set(Number(entry), Number(fields[1]));
    } catch {
      // The process ended while we looked.
    }
  }
  const found: number[] = [];
  let frontier = [pid];
  while (frontier.length > 0) {
    const next: number[] = [];
    for (const [child, parent] of parentOf) if (frontier.includes(parent)) next.push(child);
    found.push(...next);
    frontier = next;
  }
  return found;
}

/** The process that runs the code under `tsx`/`npm run`: the deepest `node` of the tree (or the root). */
export function nodeLeaf(rootPid: number): number {
  let leaf = rootPid;
  for (const pid of descendants(rootPid)) {
    try {
      // By the executable, not /proc/<pid>/comm: Node 24 names its main thread "MainThread", so comm no
      // longer says node (the lease test then counted the tsx launcher's sockets: none).
      if (path.basename(readlinkSync(`/proc/${pid}/exe`)) === 'node') leaf = pid;
    } catch {
      // gone
    }
  }
  return leaf;
}

/** Remote ports of the established TCP connections a process holds (from /proc/<pid>/fd and /proc/net/tcp). */
export function establishedRemotePorts(pid: number): number[] {
  const inodes = new Set<string>();
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
        const match = /^socket:\[(\d+)\]$/.exec(target);
        if (match?.[1]) inodes.add(match[1]);
      } catch {
        // closed meanwhile
      }
    }
  } catch {
    return [];
  }
  const ports: number[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      const remote = fields[2];
      const state = fields[3];
      const inode = fields[9];
      if (!remote || state !== '01' || !inode || !inodes.has(inode)) continue;
      ports.push(Number.parseInt(remote.split(':')[1] ?? '0', 16));
    }
  }
  return ports;
}
