import { parseArgs } from 'node:util';

const USAGE = `usage: npm run soak -- [options]
  --seconds N       load duration (default 60; --short: 20, or 40 with --with-worker)
  --clients N       concurrent customers (default 50; --short: 10)
  --operators N     operators reading the open-ticket list (default clients/20, at least 1)
  --short           CI version: 20 s, 10 clients, same faults, under 60 s in all
  --drain N         seconds the writes in flight at the end may still retry (default 30; --short: 8)
  --pg-down N       seconds PostgreSQL stays down (default 2)
  --pg-restarts N   PostgreSQL restarts, the first at 1/3, the others before 2/3 (default 1)
  --redis-down N    seconds Redis stays down (default 2)
  --timeout N       per-request timeout in seconds; no answer within it is a hang (default 10)
  --json FILE       write the summary as JSON
  --with-worker     also the email phase: two workers, operators' answers mailed, one worker SIGKILLed,
                    the API restarted (SIGTERM, started again) at 5/12; webhooks delivered through it all
  --keep            keep the temporary folder (databases, logs) after the run
  --project DIR     the checkout whose API and worker to run (default: this one)
  --help
environment: SOAK_PG_BIN (PostgreSQL's bin folder; default the newest /usr/lib/postgresql/N/bin),
  SOAK_LOG_LEVEL (the API's LOG_LEVEL; default warn)`;

/** The run's settings, as the JSON summary records them. */
export interface SoakOptions {
  seconds: number;
  clients: number;
  operators: number;
  short: boolean;
  drainSeconds: number;
  pgDownSeconds: number;
  pgRestarts: number;
  redisDownSeconds: number;
  requestTimeoutSeconds: number;
  withWorker: boolean;
  json: string | undefined;
  keep: boolean;
}

function numberFlag(name: string, raw: string | undefined, fallback: number, min: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min) {
    console.error(`--${name} must be a number ≥ ${min}\n${USAGE}`);
    process.exit(2);
  }
  return value;
}

/** The command line. Prints the usage and exits on --help (0) or a bad number (2). */
export function parseOptions(): { options: SoakOptions; project: string | undefined } {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string' },
      clients: { type: 'string' },
      operators: { type: 'string' },
      short: { type: 'boolean', default: false },
      drain: { type: 'string' },
      'pg-down': { type: 'string' },
      'pg-restarts': { type: 'string' },
      'redis-down': { type: 'string' },
      timeout: { type: 'string' },
      json: { type: 'string' },
      'with-worker': { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
      project: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const short = values.short;
  // With workers, the Redis restart waits for the killed worker's replacement to boot: a short run needs longer.
  const seconds = numberFlag('seconds', values.seconds, short ? (values['with-worker'] ? 40 : 20) : 60, 6);
  const clients = Math.round(numberFlag('clients', values.clients, short ? 10 : 50, 1));
  const operators = Math.round(numberFlag('operators', values.operators, Math.max(1, Math.round(clients / 20)), 0));
  const options: SoakOptions = {
    seconds,
    clients,
    operators,
    short,
    drainSeconds: numberFlag('drain', values.drain, short ? 8 : 30, 0),
    pgDownSeconds: numberFlag('pg-down', values['pg-down'], 2, 0),
    pgRestarts: Math.round(numberFlag('pg-restarts', values['pg-restarts'], 1, 1)),
    redisDownSeconds: numberFlag('redis-down', values['redis-down'], 2, 0),
    requestTimeoutSeconds: numberFlag('timeout', values.timeout, 10, 1),
    withWorker: values['with-worker'],
    json: values.json,
    keep: values.keep,
  };
  return { options, project: values.project };
}
