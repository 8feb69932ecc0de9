import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { ticketParticipants } from '../../db/schema.js';

/** Addresses that may write on a ticket by mail besides its creator (see db/schema.ts, ticketParticipants). */
export const participantRepository = {
  async add(db: Db, ticketId: number, addresses: string[]): Promise<void> {
    if (addresses.length === 0) return;
    await db
      .insert(ticketParticipants)
      .values(addresses.map((address) => ({ ticketId, address })))
      .onConflictDoNothing();
  },

  /** A merge: whoever could write on ticket `from` by mail may write on `to`, where their replies now land. */
  async copy(db: Db, from: number, to: number): Promise<void> {
    await db.execute(
      sql`insert into ${ticketParticipants} (ticket_id, address)
        select ${to}::integer, address from ${ticketParticipants} where ticket_id = ${from}
        on conflict do nothing`,
    );
  },

  async isParticipant(db: Db, ticketId: number, address: string): Promise<boolean> {
    const [row] = await db
      .select({ address: ticketParticipants.address })
      .from(ticketParticipants)
      .where(and(eq(ticketParticipants.ticketId, ticketId), eq(ticketParticipants.address, address)));
    return row !== undefined;
  },
};
