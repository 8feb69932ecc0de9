import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';

export const root = path.resolve(import.meta.dirname, '..');

/** A port nobody listens on right now (the soak and the tests run beside the bench). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/**
 * A server under test, as one node process (`node --import tsx FILE`, not the `tsx` wrapper, which would add
 * a parent process and hide the server's own memory). Its environment is built from scratch so a
 * DATABASE_URL or mail setting of the shell cannot leak in.
 */
export class ServerProcess {
  private readonly output: string[] = [];

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
    readonly baseUrl: string,
  ) {
    const keep = (chunk: Buffer) => {
      this.output.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      if (this.output.length > 200) this.output.splice(0, this.output.length - 200);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    // A server that dies under load (or is killed from outside) says so, with its last words.
    child.once('exit', (code, signal) => {
      if (this.stopping) return;
      console.error(`[bench] ${name} (pid ${child.pid}) exited: code ${code}, signal ${signal}\n${this.lastLines()}`);
    });
  }

  private stopping = false;

  static async start(
    name: string,
    file: string,
    env: Record<string, string>,
    nodeFlags: string[] = [],
  ): Promise<ServerProcess> {
    const port = await freePort();
    const child = spawn(process.execPath, [...nodeFlags, '--import', 'tsx', file], {
      cwd: root,
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: process.env.HOME ?? '/root',
        LANG: 'C.UTF-8',
        ...env,
        HOST: '127.0.0.1',
        PORT: String(port),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const server = new ServerProcess(name, child, `http://127.0.0.1:${port}`);
    await server.waitHealthy();
    return server;
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  lastLines(count = 30): string {
    return this.output.slice(-count).join('\n');
  }

  private async waitHealthy(timeoutMs = 90_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null) {
        throw new Error(`${this.name} exited during start-up:\n${this.lastLines()}`);
      }
      try {
        const response = await fetch(`${this.baseUrl}/api/health`);
        if (response.ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`${this.name} did not become healthy within ${timeoutMs} ms:\n${this.lastLines()}`);
  }

  /** The kernel's high-water mark of the process's resident memory (VmHWM), in MiB. */
  peakRssMb(): number {
    try {
      const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
      const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
      return Math.round(kb / 1024);
    } catch {
      return 0;
    }
  }

  /** SIGTERM (the API shuts down gracefully and writes its CPU profile if asked), SIGKILL after 15 s. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.stopping = true;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }
}
