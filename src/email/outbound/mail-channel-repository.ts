import { desc, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { type MailChannelRow, mailChannels } from '../../db/schema.js';

/** The sending addresses the processes of this database announced (see mail-channel.ts). */
export const mailChannelRepository = {
  async announce(db: Db, supportAddress: string, fromName: string): Promise<void> {
    await db
      .insert(mailChannels)
      .values({ supportAddress, fromName })
      .onConflictDoUpdate({ target: mailChannels.supportAddress, set: { fromName, lastSeenAt: sql`now()` } });
  },

  /** The address announced most recently: the one the senders use now. */
  async latest(db: Db): Promise<MailChannelRow | undefined> {
    const [row] = await db.select().from(mailChannels).orderBy(desc(mailChannels.lastSeenAt)).limit(1);
    return row;
  },
};
