import type { FastifyBaseLogger } from 'fastify';
import type { Db } from '../db/client.js';
import { sweepSlaBreaches } from './ticket-sla.js';

/** What the `sweep-sla` job runs: records the breaches that came due, and says how many. */
export class SlaBreachSweeper {
  constructor(
    private readonly db: Db,
    private readonly log: FastifyBaseLogger,
  ) {}

  async sweep(): Promise<number> {
    const noticed = await sweepSlaBreaches(this.db);
    if (noticed > 0) this.log.info({ tickets: noticed }, 'SLA breaches noticed');
    return noticed;
  }
}
