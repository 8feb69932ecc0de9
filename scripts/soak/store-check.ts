import pg from 'pg';
import type { WriteRecord } from './load.js';

/**
 * After the run, straight from PostgreSQL: how many rows hold each tag (tickets.subject, messages.text),
 * compared with what the clients were told.
 */

export interface StoredRow {
  id: number;
  ticketId: number | undefined;
}

export interface StoreCheck {
  acknowledged: number;
  /** Acknowledged tags found at least once. */
  storedAcknowledged: number;
  /** Rows with a tag of this run, all kinds. */
  rowsWithTags: number;
  duplicates: { tag: string; kind: string; ids: number[] }[];
  lost: WriteRecord[];
  /** Acknowledged with one id, stored under another (or on another ticket). */
  mismatched: { tag: string; kind: string; acked: string; stored: string }[];
  unacknowledged: number;
  unacknowledgedStored: number;
  /** Tags in the database that no client sent (must never happen). */
  unknownTags: number;
}

const TAG = '([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})';

export async function checkStore(databaseUrl: string, writes: WriteRecord[]): Promise<StoreCheck> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const stored = new Map<string, StoredRow[]>();
  try {
    const tickets = await client.query<{ tag: string; id: number }>(
      `select substring(subject from $1) as tag, id from tickets where subject like 'soak %'`,
      [`^soak ${TAG}$`],
    );
    const messages = await client.query<{ tag: string; id: number; ticket_id: number }>(
      `select substring(text from $1) as tag, id, ticket_id from messages where text like 'soak %'`,
      [`^soak (?:message |answer )${TAG}`],
    );
    for (const row of tickets.rows) {
      if (!row.tag) continue;
      stored.set(row.tag, [...(stored.get(row.tag) ?? []), { id: row.id, ticketId: undefined }]);
    }
    for (const row of messages.rows) {
      if (!row.tag) continue;
      stored.set(row.tag, [...(stored.get(row.tag) ?? []), { id: row.id, ticketId: row.ticket_id }]);
    }
  } finally {
    await client.end();
  }

  const sent = new Set(writes.map((w) => w.tag));
  const result: StoreCheck = {
    acknowledged: 0,
    storedAcknowledged: 0,
    rowsWithTags: [...stored.values()].reduce((sum, rows) => sum + rows.length, 0),
    duplicates: [],
    lost: [],
    mismatched: [],
    unacknowledged: 0,
    unacknowledgedStored: 0,
    unknownTags: [...stored.keys()].filter((tag) => !sent.has(tag)).length,
  };
  for (const write of writes) {
    const rows = stored.get(write.tag) ?? [];
    if (rows.length > 1) result.duplicates.push({ tag: write.tag, kind: write.kind, ids: rows.map((r) => r.id) });
    if (write.state === 'acked') {
      result.acknowledged++;
      if (rows.length === 0) {
        result.lost.push(write);
        continue;
      }
      result.storedAcknowledged++;
      const row = rows[0];
      if (rows.length === 1 && row) {
        const wrongTicket = write.kind !== 'ticket' && row.ticketId !== write.ticketId;
        if (row.id !== write.ackedId || wrongTicket) {
          result.mismatched.push({
            tag: write.tag,
            kind: write.kind,
            acked: `id ${write.ackedId} on ticket ${write.ticketId ?? '-'}`,
            stored: `id ${row.id} on ticket ${row.ticketId ?? '-'}`,
          });
        }
      }
    } else {
      result.unacknowledged++;
      if (rows.length > 0) result.unacknowledgedStored++;
    }
  }
  return result;
}
