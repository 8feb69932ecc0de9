import path from 'node:path';
import { ManagedProcess, nodeLeaf, rssKb, sleep } from './proc.js';

/**
 * The Service Desk as a real child process (`tsx src/server.ts`), and the `npm run worker` processes. The
 * environment is built from scratch (PATH, HOME and what the caller passes) so nothing from the shell that
 * started the soak (a DATABASE_URL, an SMTP host) leaks into the processes under test.
 */

export function baseEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: process.env.HOME ?? '/root',
    LANG: 'C.UTF-8',
    // Not a terminal: JSON log lines, which the soak scans for errors.
    NO_COLOR: '1',
  };
  return { ...env, ...extra };
}

export interface LogScan {
  /** Error-level lines and lines that are not pino's JSON (stack traces printed by a library, a crash). */
  errorLines: string[];
  warnCount: number;
  errorCount: number;
  otherCount: number;
}

/** Counts pino lines by level (40 warn, 50 error, 60 fatal) and keeps the first errors in full. */
export function logScanner(scan: LogScan): (line: string) => void {
  return (line) => {
    if (!line.startsWith('{')) {
      if (!line.trim()) return;
      scan.otherCount++;
      if (scan.errorLines.length < 30) scan.errorLines.push(line);
      return;
    }
    try {
      const level = (JSON.parse(line) as { level?: unknown }).level;
      if (typeof level !== 'number') return;
      if (level >= 50) {
        scan.errorCount++;
        if (scan.errorLines.length < 30) scan.errorLines.push(line);
      } else if (level >= 40) {
        scan.warnCount++;
      }
    } catch {
      scan.otherCount++;
      if (scan.errorLines.length < 30) scan.errorLines.push(line);
    }
  };
}

export class ApiProcess {
  private serverPid: number | undefined;
  private current: ManagedProcess;

  private constructor(
    private readonly launch: () => ManagedProcess,
    readonly baseUrl: string,
    /** Filled as the API logs (every process it ran, restarts included). */
    readonly scan: LogScan,
  ) {
    this.current = launch();
  }

  static start(root: string, port: number, env: Record<string, string>, logFile: string): ApiProcess {
    const scan: LogScan = { errorLines: [], warnCount: 0, errorCount: 0, otherCount: 0 };
    const launch = () =>
      ManagedProcess.start('api', path.join(root, 'node_modules/.bin/tsx'), ['src/server.ts'], {
        cwd: root,
        env: baseEnv({ ...env, HOST: '127.0.0.1', PORT: String(port) }),
        logFile,
        onLine: logScanner(scan),
      });
    return new ApiProcess(launch, `http://127.0.0.1:${port}`, scan);
  }

  /** The process running now (a new one after `restart`). */
  get process(): ManagedProcess {
    return this.current;
  }

  /**
   * A restart as a deploy or `systemctl restart` does it: SIGTERM to the server (in-flight requests finish,
   * new connections are refused), then the same command again on the same port. Resolves with the old
   * process's exit once the new one answers.
   */
  async restart(): Promise<{ code: number | null; signal: NodeJS.Signals | null } | undefined> {
    const old = this.current;
    await old.stop('SIGTERM', 10_000);
    this.serverPid = undefined;
    this.current = this.launch();
    await this.waitReady();
    return old.exit;
  }

  /** Waits for /api/health to answer 200 (migrations applied, admin created, listening). */
  async waitReady(timeoutMs = 90_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.process.running) {
        throw new Error(`the API exited during start-up:\n${this.process.lastLines(30).join('\n')}`);
      }
      try {
        const response = await fetch(`${this.baseUrl}/api/health`, { signal: AbortSignal.timeout(2_000) });
        if (response.status === 200) {
          const root = this.process.pid;
          if (root !== undefined) this.serverPid = nodeLeaf(root);
          return;
        }
      } catch {
        // not listening yet
      }
      await sleep(200);
    }
    throw new Error(`the API did not answer /api/health within ${timeoutMs} ms`);
  }

  /** The pid of the node process running src/server.ts (tsx runs it as a child of its own CLI process). */
  get pid(): number | undefined {
    return this.serverPid;
  }

  rssKb(): number | undefined {
    return this.serverPid === undefined ? undefined : rssKb(this.serverPid);
  }
}
