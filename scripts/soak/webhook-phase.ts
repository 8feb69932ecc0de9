import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import type { Api } from './load.js';
import { sleep } from './proc.js';
import type { Report } from './report.js';

/** Retries a few seconds apart: the faults last seconds, and the soak must see every delivery end. */
const RETRY_SCHEDULE = '1,2,3,5,8,13,21';
/** One first attempt in this many is answered 500, so retries are made across the faults as well. */
const FAIL_ONE_IN = 10;

interface Hit {
  id: string;
  status: number;
  /** performance.now() when the receiver answered. */
  at: number;
}

/**
 * A worker SIGKILLed between a receiver's 2xx and its record cannot know the delivery succeeded: the next
 * sender delivers it again, with the same webhook-id (receivers dedupe on it, as Standard Webhooks says).
 * Such copies are counted apart when their first 2xx came this shortly before the kill; at most one per
 * job the killed worker ran at once (BullMQ concurrency 4).
 */
const KILL_WINDOW_MS = 2_000;
const MAX_IN_DOUBT = 4;

/**
 * With workers: a webhook for every `ticket.created`, sent to a receiver in this process while the
 * PostgreSQL and Redis restarts and the worker kill happen. Afterwards every ticket of the run has one
 * delivery, every delivery ended `delivered`, and the receiver answered a 2xx to each webhook-id once:
 * nothing lost, nothing delivered twice after a 2xx.
 */
export class WebhookPhase {
  private readonly hits: Hit[] = [];
  private readonly failedFirst = new Set<string>();
  private webhookId: number | undefined;

  private constructor(private readonly server: Server) {}

  static async start(): Promise<WebhookPhase> {
    const phase: WebhookPhase = new WebhookPhase(
      createServer((request, response) => {
        request.resume();
        request.on('end', () => {
          const id = String(request.headers['webhook-id'] ?? '');
          const seen = phase.hits.some((hit) => hit.id === id);
          const fail = !seen && phase.hits.length % FAIL_ONE_IN === 0;
          if (fail) phase.failedFirst.add(id);
          const status = fail ? 500 : 200;
          phase.hits.push({ id, status, at: performance.now() });
          response.writeHead(status).end();
        });
      }),
    );
    await new Promise<void>((resolve) => phase.server.listen(0, '127.0.0.1', resolve));
    return phase;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/soak`;
  }

  /** For the API and the workers: loopback is allowed (the receiver is here), retries come quickly. */
  get env(): Record<string, string> {
    return { WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true', WEBHOOK_RETRY_SCHEDULE: RETRY_SCHEDULE };
  }

  async register(client: Api, adminToken: string): Promise<void> {
    const body = await client.setupCall(
      {
        method: 'POST',
        path: '/api/webhooks',
        token: adminToken,
        body: { url: this.url, events: ['ticket.created'], description: 'soak' },
      },
      201,
    );
    this.webhookId = (body as { data: { id: number } }).data.id;
  }

  /** Waits (up to `waitMs`) until no delivery is pending, then checks the rules into `report`. */
  async verify(
    databaseUrl: string,
    report: Report,
    say: (text: string) => void,
    killedAt: number | undefined,
    waitMs = 90_000,
  ): Promise<void> {
    const db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    try {
      const deadline = performance.now() + waitMs;
      let pending = await this.pending(db);
      while (pending > 0 && performance.now() < deadline) {
        await sleep(500);
        pending = await this.pending(db);
      }
      const tickets = Number(
        (await db.query<{ n: string }>(`select count(*) as n from tickets where subject like 'soak %'`)).rows[0]?.n,
      );
      const rows = (
        await db.query<{ message_id: string; status: string; attempts: number }>(
          `select d.message_id, d.status, d.attempts from webhook_deliveries d
             join ticket_events e on e.id = d.event_id
             join tickets t on t.id = e.ticket_id
            where d.webhook_id = $1 and t.subject like 'soak %'`,
          [this.webhookId],
        )
      ).rows;
      const delivered = rows.filter((row) => row.status === 'delivered').length;
      const successes = new Map<string, Hit[]>();
      for (const hit of this.hits.filter((h) => h.status < 300)) {
        successes.set(hit.id, [...(successes.get(hit.id) ?? []), hit]);
      }
      const repeated = [...successes.values()].filter((hits) => hits.length > 1);
      const inDoubt = repeated.filter(
        ([first]) =>
          killedAt !== undefined && first !== undefined && first.at <= killedAt && first.at > killedAt - KILL_WINDOW_MS,
      ).length;
      const twice = repeated.length - inDoubt;
      const unseen = rows.filter((row) => !successes.has(row.message_id)).length;
      say(`webhooks: ${rows.length} deliveries for ${tickets} tickets, ${this.hits.length} requests received`);
      report.info('webhooks: requests received (one first attempt in 10 answered 500)', this.hits.length);
      report.info('webhooks: deliveries that needed a retry', this.failedFirst.size);
      report.check(
        'webhooks: one delivery per ticket, all delivered',
        `${delivered}/${rows.length} delivered, ${tickets} tickets, ${pending} pending`,
        'deliveries = tickets = delivered',
        rows.length === tickets && delivered === tickets && pending === 0,
      );
      report.check(
        'webhooks: a 2xx for each delivery, never two',
        `${unseen} without a 2xx, ${twice} with two or more (+${inDoubt} in doubt at the kill)`,
        `both 0; at most ${MAX_IN_DOUBT} copies of deliveries a killed worker had acknowledged and not recorded`,
        unseen === 0 && twice === 0 && inDoubt <= MAX_IN_DOUBT,
      );
      report.metrics.webhookDeliveries = rows.length;
      report.metrics.webhookRequests = this.hits.length;
    } finally {
      await db.end();
    }
  }

  private async pending(db: pg.Client): Promise<number> {
    const { rows } = await db.query<{ n: string }>(
      `select count(*) as n from webhook_deliveries where webhook_id = $1 and status <> 'delivered'`,
      [this.webhookId],
    );
    return Number(rows[0]?.n ?? 0);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
