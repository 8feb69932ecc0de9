import { and, eq } from 'drizzle-orm';
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

  async isParticipant(db: Db, ticketId: number, address: string): Promise<boolean> {
    const [row] = await db
      .select({ address: ticketParticipants.address })
      .from(ticketParticipants)
      .where(and(eq(ticketParticipants.ticketId, ticketId), eq(ticketParticipants.address, address)));
    return row !== undefined;
  },
};
