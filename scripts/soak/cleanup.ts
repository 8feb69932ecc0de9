/** One thing the soak started, and how to stop it. */
export interface CleanupStep {
  name: string;
  run: () => Promise<void>;
}

/**
 * Everything started is registered here and stopped in reverse order, on success, failure, Ctrl-C or an
 * unexpected exception.
 */
export class Cleanups {
  private readonly steps: CleanupStep[] = [];
  private cleaning: Promise<void> | undefined;
  /** A signal arrived: the handler stops everything and exits with 130. */
  interrupted = false;
  /** Set while the load runs, so that a signal ends it at once. */
  abortLoad: (() => void) | undefined;

  add(name: string, run: () => Promise<void>): void {
    this.steps.push({ name, run });
  }

  /** Whether the clean-up has begun (a process exiting after that is no failure). */
  get started(): boolean {
    return this.cleaning !== undefined;
  }

  /** Runs every step once, newest first; a failing step is reported and the others still run. */
  run(): Promise<void> {
    this.cleaning ??= (async () => {
      for (const { name, run } of this.steps.splice(0).reverse()) {
        try {
          await run();
        } catch (error) {
          console.error(`clean-up of ${name} failed: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
    })();
    return this.cleaning;
  }

  /** On SIGINT, SIGTERM, SIGHUP (exit 130) and an uncaught exception (exit 1): stop everything, then exit. */
  exitOnSignals(stamp: () => string): void {
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      process.on(signal, () => {
        if (this.interrupted) return;
        this.interrupted = true;
        console.error(`\n${stamp()} ${signal}: stopping everything the soak started…`);
        this.abortLoad?.();
        void this.run().finally(() => process.exit(130));
      });
    }
    process.on('uncaughtException', (error) => {
      console.error(`${stamp()} unexpected error in the soak itself:`, error);
      void this.run().finally(() => process.exit(1));
    });
  }
}
