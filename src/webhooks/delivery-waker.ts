import type { FastifyBaseLogger } from 'fastify';
import type { Database, Listening } from '../db/client.js';

/**
 * Sends new deliveries within moments instead of at the next sweep: the trigger that records them notifies
 * 'webhook_deliveries' at commit (migration 0010), and this process answers with a sweep (which only queues
 * jobs, so any process may run it). Sweeps do not overlap; a notification during one runs one more after it.
 * It sweeps once on start and after a reconnect too, for what was recorded while no one listened.
 */
export class DeliveryWaker {
  private listening: Listening | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private closed = false;

  constructor(
    private readonly database: Database,
    private readonly sender: { sweep(): Promise<unknown> },
    private readonly log: FastifyBaseLogger,
  ) {}

  async start(): Promise<void> {
    this.listening = await this.database.listen('webhook_deliveries', {
      onNotify: () => this.wake(),
      onReconnect: () => this.wake(),
      onError: (error) => this.log.warn({ err: error }, 'webhook delivery listener'),
    });
    this.wake();
  }

  private wake(): void {
    if (this.closed) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.sweep().finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        this.wake();
      }
    });
  }

  private async sweep(): Promise<void> {
    try {
      await this.sender.sweep();
    } catch (error) {
      // The sweep job runs every few seconds anyway.
      this.log.warn({ err: error }, 'webhook sweep failed');
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.listening?.close();
    await this.running;
  }
}
