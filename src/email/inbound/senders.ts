import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { type UserRow, users } from '../../db/schema.js';
import { userRepository } from '../../users/user-repository.js';
import { usernameFromEmail } from '../../users/username.js';

/**
 * The account of a mail's sender; an unknown sender becomes a customer without a password (they can set
 * one later through the API). Safe against two mails from the same new sender arriving together.
 */
export async function findOrCreateCustomer(db: Db, address: string, _displayName: string): Promise<UserRow> {
  const email = address.toLowerCase();
  const existing = await userRepository.findByEmail(db, email);
  if (existing) return existing;
  const base = usernameFromEmail(email);
  for (let attempt = 0; attempt < 20; attempt++) {
    const username = attempt === 0 ? base : `${base.slice(0, 40)}${attempt + 1}`;
    if (await userRepository.usernameExists(db, username)) continue;
    const [created] = await db
      .insert(users)
      .values({ email, username, passwordHash: null, role: 'customer' })
      .onConflictDoNothing()
      .returning();
    if (created) return created;
    const raced = await userRepository.findByEmail(db, email);
    if (raced) return raced;
  }
  // Twenty taken names in a row: fall back to a name nobody picks by hand.
  const [created] = await db
    .insert(users)
    .values({ email, username: sql`'customer_' || substr(md5(${email}), 1, 12)`, passwordHash: null, role: 'customer' })
    .returning();
  return created as UserRow;
}
