import { createHmac, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { FastifyBaseLogger } from 'fastify';
import type { Db } from '../db/client.js';
import { apiInstanceRepository as instances } from './api-instance-repository.js';

/** Another API process counts as running while its last heartbeat is younger than this. */
const LIVE_MS = 30_000;
const HEARTBEAT_MS = 10_000;
/** Rows of processes that died without removing theirs are dropped after this. */
const STALE_MS = 60 * 60 * 1000;

/** Which key signs tokens, without saying the key: an HMAC of a fixed text, cut to 16 hex digits. */
export function keyFingerprint(secretKey: string): string {
  return createHmac('sha256', secretKey).update('service-desk: the key that signs tokens').digest('hex').slice(0, 16);
}

/**
 * The API processes sharing one PostgreSQL database must sign tokens with the same SECRET_KEY, or a token
 * from one is a 401 on the next (seen on two machines each with a key of its own, nothing logged). Each
 * process registers the fingerprint of its key with a heartbeat; one whose key differs from a running
 * process's refuses to start, saying so. Changing the key means stopping every API process first.
 */
export class ApiInstances {
  private readonly id = randomUUID();
  private readonly fingerprint: string;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: Db,
    secretKey: string,
    private readonly log: FastifyBaseLogger,
  ) {
    this.fingerprint = keyFingerprint(secretKey);
  }

  /** Registers this process; or, when a running one signs with another key, says why it must not start. */
  async register(): Promise<string | undefined> {
    const conflict = await this.otherKey();
    if (conflict) return conflict;
    await instances.removeStale(this.db, STALE_MS);
    await instances.insert(this.db, {
      id: this.id,
      keyFingerprint: this.fingerprint,
      host: hostname().slice(0, 255),
      pid: process.pid,
    });
    this.timer = setInterval(() => void this.beat(), HEARTBEAT_MS);
    this.timer.unref();
    return undefined;
  }

  /** Two processes started at the same moment with different keys both pass `register`: said here. */
  private async beat(): Promise<void> {
    try {
      await instances.touch(this.db, this.id);
      const conflict = await this.otherKey();
      if (conflict) this.log.error({ setting: 'SECRET_KEY' }, conflict);
    } catch {
      // The database is away: the next beat tries again (its outage is logged where requests meet it).
    }
  }

  private async otherKey(): Promise<string | undefined> {
    const [other] = await instances.liveWithOtherKey(this.db, this.fingerprint, LIVE_MS);
    if (!other) return undefined;
    return (
      `SECRET_KEY differs from the one of the API process running on ${other.host} (pid ${other.pid}): ` +
      'tokens signed by one would be refused by the other. Give every API process of this database the same ' +
      'SECRET_KEY; to change it, stop all of them first.'
    );
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await instances.remove(this.db, this.id).catch(() => undefined);
  }
}
