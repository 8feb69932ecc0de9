import type { Dataset } from './datasets.js';
import type { Timing } from './load.js';

export interface Mode {
  name: 'quick' | 'full';
  postgres: Dataset[];
  pglite: Dataset[];
  timing: Timing;
  pgliteTiming: Timing;
  mailMessages: number;
  latencySamples: number;
  /** Live events: streams held open, ticket changes a second, for how long. */
  live: { connections: number; changesPerSecond: number; seconds: number };
  /** The web console: sign-ins in new browsers, live changes watched in another one. */
  console: { signIns: number; changes: number };
}

const size = (tickets: number, customers: number) => ({ tickets, customers, operators: 20, messagesPerTicket: 5 });

/** `--quick` keeps the harness honest in CI in under a minute; its figures are too short to quote. */
export const quick: Mode = {
  name: 'quick',
  postgres: [{ label: '1k', size: size(1_000, 300) }],
  pglite: [{ label: '1k', size: size(1_000, 300) }],
  // Only has to show the harness works: no warm-up, one round per side.
  timing: { warmupSeconds: 0, roundSeconds: 1, rounds: 1, connections: 10 },
  pgliteTiming: { warmupSeconds: 0, roundSeconds: 1, rounds: 1, connections: 10 },
  mailMessages: 200,
  latencySamples: 3,
  live: { connections: 50, changesPerSecond: 10, seconds: 2 },
  console: { signIns: 2, changes: 5 },
};

export const full: Mode = {
  name: 'full',
  postgres: [
    { label: '1k', size: size(1_000, 300) },
    { label: '1M', size: size(1_000_000, 5_000) },
  ],
  pglite: [
    { label: '1k', size: size(1_000, 300) },
    { label: '100k', size: size(100_000, 2_000) },
  ],
  timing: { warmupSeconds: 3, roundSeconds: 5, rounds: 3, connections: 10 },
  pgliteTiming: { warmupSeconds: 2, roundSeconds: 5, rounds: 2, connections: 10 },
  mailMessages: 2_000,
  latencySamples: 20,
  live: { connections: 1_000, changesPerSecond: 50, seconds: 15 },
  console: { signIns: 10, changes: 40 },
};
