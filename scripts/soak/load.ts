import { randomBytes, randomUUID } from 'node:crypto';
import { type Call, type Op, type Outcome, type Stats, send } from './http.js';
import { sleep } from './proc.js';

/**
 * The load: customers writing (tickets, messages on their own tickets), each write tagged with a UUID in
 * its text and sent with that UUID as Idempotency-Key, retried with the same key until acknowledged; and
 * operators reading the open-ticket list.
 */

export interface Account {
  id: number;
  email: string;
  username: string;
  password: string;
  token: string;
}

export type WriteKind = 'ticket' | 'message' | 'answer';

export interface WriteRecord {
  tag: string;
  kind: WriteKind;
  /** Who wrote it: a customer index, or `op<N>` for operators. */
  writer: string;
  ticketId: number | undefined;
  attempts: number;
  firstAt: number;
  ackAt: number | undefined;
  ackedId: number | undefined;
  /** pending while retrying; gave-up: out of attempts or time; rejected: a 4xx other than 409. */
  state: 'pending' | 'acked' | 'gave-up' | 'rejected';
  lastOutcome: string;
  ackReplayed: boolean;
  /** Longest run of consecutive 409s (a key held by a request that died with the database). */
  max409Streak: number;
  /** When the first 409 came, and when the write ended (2xx or given up). */
  first409At: number | undefined;
  endedAt: number | undefined;
}

export interface RetryPolicy {
  requestTimeoutMs: number;
  retryAfterCapMs: number;
  maxAttempts: number;
}

const describe = (outcome: Outcome): string =>
  outcome.type === 'response' ? String(outcome.status) : outcome.type === 'timeout' ? 'hang' : outcome.error;

function dataId(body: unknown): number | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const data = (body as { data?: unknown }).data;
  if (typeof data !== 'object' || data === null) return undefined;
  const id = (data as { id?: unknown }).id;
  return typeof id === 'number' ? id : undefined;
}

function retryAfterMs(header: string | null, fallbackMs: number, capMs: number): number {
  const seconds = header === null ? Number.NaN : Number(header);
  const base = Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : fallbackMs;
  return Math.min(base, capMs) + Math.random() * 250;
}

export class Api {
  constructor(
    readonly baseUrl: string,
    readonly stats: Stats,
    readonly policy: RetryPolicy,
  ) {}

  async call(op: Op, call: Call): Promise<Outcome> {
    const timed = await send(this.baseUrl, call, this.policy.requestTimeoutMs);
    this.stats.record(op, call, timed);
    return timed.outcome;
  }

  /** Set-up calls (accounts, logins): retried on anything but a definite answer, then must succeed. */
  async setupCall(call: Call, expected: number): Promise<unknown> {
    let last = '';
    for (let attempt = 1; attempt <= 10; attempt++) {
      const outcome = await this.call('setup', call);
      if (outcome.type === 'response' && outcome.status === expected) return outcome.body;
      last = outcome.type === 'response' ? `${outcome.status} ${JSON.stringify(outcome.body)}` : describe(outcome);
      if (outcome.type === 'response' && outcome.status < 500 && outcome.status !== 409) break;
      await sleep(500 * attempt);
    }
    throw new Error(`set-up call ${call.method} ${call.path} failed: ${last}`);
  }

  async login(username: string, password: string): Promise<string> {
    const body = await this.setupCall({ method: 'POST', path: '/api/auth/token', form: { username, password } }, 200);
    const token = (body as { access_token?: unknown } | null)?.access_token;
    if (typeof token !== 'string') throw new Error(`login of ${username}: no access_token`);
    return token;
  }

  /** A customer signs up; with `adminToken` and a role, the admin creates the account. */
  async newAccount(
    label: string,
    options: { adminToken?: string; role?: 'operator'; email?: string } = {},
  ): Promise<Account> {
    const suffix = randomBytes(4).toString('hex');
    const username = `soak-${label}-${suffix}`;
    const email = options.email ?? `${username}@soak.example.test`;
    const password = `soak-password-${suffix}`;
    const body = await this.setupCall(
      {
        method: 'POST',
        path: '/api/users',
        token: options.adminToken,
        body: { email, username, password, ...(options.role ? { role: options.role } : {}) },
      },
      201,
    );
    const id = dataId(body);
    if (id === undefined) throw new Error(`sign-up of ${username}: no id`);
    return { id, email, username, password, token: await this.login(username, password) };
  }

  /**
   * One write, retried with the same Idempotency-Key on 503 (after Retry-After, capped), 409, any other
   * 5xx, network errors and timeouts, until a 2xx, a 4xx (rejected), `maxAttempts` or `deadline()`.
   */
  async write(record: WriteRecord, call: Call, deadline: () => number, aborted: () => boolean): Promise<boolean> {
    let streak409 = 0;
    while (true) {
      record.attempts++;
      const outcome = await this.call(record.kind, call);
      record.lastOutcome = describe(outcome);
      let waitMs: number;
      if (outcome.type === 'response') {
        const { status } = outcome;
        if (status >= 200 && status < 300) {
          record.state = 'acked';
          record.ackAt = performance.now();
          record.endedAt = record.ackAt;
          record.ackedId = dataId(outcome.body);
          record.ackReplayed = outcome.replayed;
          return true;
        }
        streak409 = status === 409 ? streak409 + 1 : 0;
        if (status === 409) record.first409At ??= performance.now();
        record.max409Streak = Math.max(record.max409Streak, streak409);
        if (status === 503) waitMs = retryAfterMs(outcome.retryAfter, 1000, this.policy.retryAfterCapMs);
        else if (status === 409) waitMs = retryAfterMs(outcome.retryAfter, 1000, this.policy.retryAfterCapMs);
        else if (status >= 500) waitMs = 1000;
        else {
          record.state = 'rejected';
          record.endedAt = performance.now();
          return false;
        }
      } else {
        streak409 = 0;
        waitMs = outcome.type === 'timeout' ? 200 : Math.min(200 * 2 ** Math.min(record.attempts - 1, 4), 2000);
      }
      const remaining = deadline() - performance.now();
      if (record.attempts >= this.policy.maxAttempts || remaining <= waitMs || aborted()) {
        record.state = 'gave-up';
        record.endedAt = performance.now();
        return false;
      }
      await sleep(waitMs);
    }
  }
}

export function newWrite(kind: WriteKind, writer: string, ticketId?: number): WriteRecord {
  return {
    tag: randomUUID(),
    kind,
    writer,
    ticketId,
    attempts: 0,
    firstAt: performance.now(),
    ackAt: undefined,
    ackedId: undefined,
    state: 'pending',
    lastOutcome: '',
    ackReplayed: false,
    max409Streak: 0,
    first409At: undefined,
    endedAt: undefined,
  };
}

/** The texts that carry a tag: what the final check searches the database for. */
export const tagged = {
  subject: (tag: string) => `soak ${tag}`,
  description: (tag: string, writer: string) => `Soak ticket from ${writer}; tag ${tag}.`,
  message: (tag: string) => `soak message ${tag}`,
  answer: (tag: string) => `soak answer ${tag}`,
  pattern: /soak (?:message |answer )?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/,
};

export interface LoadOptions {
  seconds: number;
  drainMs: number;
  /** Probability that a customer opens a new ticket rather than writing on one of theirs. */
  newTicketShare: number;
  readerPauseMs: number;
}

export class CustomerLoad {
  readonly writes: WriteRecord[] = [];
  /** Tickets each customer got a 2xx for (the worker phase answers these). */
  readonly ticketsOf = new Map<number, number[]>();
  private loadEndsAt = 0;
  private drainEndsAt = 0;
  private abortedFlag = false;

  constructor(
    private readonly api: Api,
    private readonly customers: Account[],
    private readonly operators: Account[],
    private readonly options: LoadOptions,
  ) {}

  abort(): void {
    this.abortedFlag = true;
  }

  get aborted(): boolean {
    return this.abortedFlag;
  }

  get inFlight(): number {
    return this.writes.filter((w) => w.state === 'pending').length;
  }

  /** Writes retrying now whose last answer was a 409. */
  get heldBy409(): number {
    return this.writes.filter((w) => w.state === 'pending' && w.lastOutcome === '409').length;
  }

  async run(): Promise<void> {
    const start = performance.now();
    this.loadEndsAt = start + this.options.seconds * 1000;
    this.drainEndsAt = this.loadEndsAt + this.options.drainMs;
    await Promise.all([
      ...this.customers.map((customer, index) => this.customer(customer, index)),
      ...this.operators.map((operator) => this.reader(operator)),
    ]);
  }

  private loadOver(): boolean {
    return this.abortedFlag || performance.now() >= this.loadEndsAt;
  }

  private async customer(account: Account, index: number): Promise<void> {
    const mine: number[] = [];
    this.ticketsOf.set(account.id, mine);
    const writer = `c${index}`;
    const deadline = () => this.drainEndsAt;
    const aborted = () => this.abortedFlag;
    while (!this.loadOver()) {
      const target = mine[Math.floor(Math.random() * mine.length)];
      if (target === undefined || Math.random() < this.options.newTicketShare) {
        const record = newWrite('ticket', writer);
        this.writes.push(record);
        const call: Call = {
          method: 'POST',
          path: '/api/tickets',
          token: account.token,
          idempotencyKey: record.tag,
          body: { subject: tagged.subject(record.tag), description: tagged.description(record.tag, writer) },
        };
        if (await this.api.write(record, call, deadline, aborted)) {
          if (record.ackedId !== undefined) mine.push(record.ackedId);
        }
      } else {
        const record = newWrite('message', writer, target);
        this.writes.push(record);
        await this.api.write(
          record,
          {
            method: 'POST',
            path: `/api/tickets/${target}/messages`,
            token: account.token,
            idempotencyKey: record.tag,
            body: { text: tagged.message(record.tag) },
          },
          deadline,
          aborted,
        );
      }
    }
  }

  private async reader(account: Account): Promise<void> {
    while (!this.loadOver()) {
      const outcome = await this.api.call('list', {
        method: 'GET',
        path: '/api/tickets?status=open&limit=50',
        token: account.token,
      });
      const ok = outcome.type === 'response' && outcome.status === 200;
      await sleep(ok ? this.options.readerPauseMs : 500);
    }
  }
}
