import { aliasedTable, and, eq, exists, inArray, or, type SQL, type SQLWrapper, sql } from 'drizzle-orm';
import type { Standing } from '../access/caller.js';
import { messageVisibleTo } from '../access/ticket-access.js';
import type { Db } from '../db/client.js';
import { planStatistic } from '../db/plan-statistics.js';
import { messages, tickets, users } from '../db/schema.js';
import type { TicketSearch } from './ticket-list-query.js';

/**
 * The SQL of a ticket search (`q` on the list): which tickets match, by their text, a message the caller may
 * read, their id, or (staff) their creator. The list's statement (ticket-repository.ts, `dynamicPage`) puts
 * these branches under its filters, order and LIMIT.
 */

/** The search's tsquery: the same configuration as the generated documents (schema.ts). */
export const tsQuery = (search: TicketSearch) => sql`websearch_to_tsquery('russian'::regconfig, ${search.text})`;

/** SQL on `tickets`: a message of the ticket the caller may read (no internal notes for customers) matches. */
export function messageMatches(db: Db, as: Standing, search: TicketSearch): SQL {
  return exists(
    db
      .select({ one: sql`1` })
      .from(messages)
      .where(
        and(eq(messages.ticketId, tickets.id), sql`${messages.search} @@ ${tsQuery(search)}`, messageVisibleTo(as)),
      ),
  );
}

/** Up to this many documents matching a word are "few": their tickets are looked up by id (see `searchedIds`). */
const FEW_HITS = 2000;
const hit = aliasedTable(tickets, 'hit');

/** How many ticket documents and message documents (readable by `as`) match, counted up to FEW_HITS + 1. */
export interface HitCounts {
  inTickets: number;
  inMessages: number;
}

function textHits(db: Db, as: Standing, search: TicketSearch, limit?: number) {
  const query = tsQuery(search);
  const inTickets = db.select({ id: hit.id }).from(hit).where(sql`${hit.search} @@ ${query}`);
  const inMessages = db
    .select({ id: messages.ticketId })
    .from(messages)
    .where(and(sql`${messages.search} @@ ${query}`, messageVisibleTo(as)));
  return limit === undefined
    ? { inTickets, inMessages }
    : { inTickets: inTickets.limit(limit), inMessages: inMessages.limit(limit) };
}

const rememberedHits = planStatistic<HitCounts>({ ttlMs: 60_000, max: 1000 });

/**
 * One statement reading at most FEW_HITS + 1 rows of each table (for a common word about 18,000 tickets at
 * 1M: ~10 ms), so kept a minute per standing and text (plan-statistics.ts): the next pages of a search, and
 * the same search again, skip it. Nothing of it is shown.
 */
export async function countHits(db: Db, as: Standing, search: TicketSearch): Promise<HitCounts> {
  return rememberedHits(db, `${as}\u0000${search.text}`, async () => {
    const { inTickets, inMessages } = textHits(db, as, search, FEW_HITS + 1);
    const [counts] = await db
      .select({
        inTickets: sql<number>`(select count(*) from ${inTickets} as t)`.mapWith(Number),
        inMessages: sql<number>`(select count(*) from ${inMessages} as m)`.mapWith(Number),
      })
      .from(sql`(select 1) as one`);
    return counts ?? { inTickets: 0, inMessages: 0 };
  });
}

/**
 * The ids of the tickets a search finds, as the body of an `id in (…)`: a UNION of one query per way a ticket
 * can match — the words in its subject and description, the words in a message it may be read with, its id
 * (`#123`), and, for staff, its creator's email or username. `select` makes each branch's query from its
 * condition (with the page's filters, position, order and LIMIT, or none).
 *
 * `hits` (a page by a column order): each text branch takes one of two forms. With few matching documents,
 * their tickets are fetched by id and sorted, cheap whatever else filters them; with many, the list's own
 * index is walked, testing each ticket until the page is full, which a common word fills at once.
 * PostgreSQL would choose between these itself if it knew how common the word is, but for a word outside
 * its statistics it guesses — measured at 1M tickets: 2 500 messages guessed for a word in 100, so it
 * walked all 1M tickets (4 s). Hence the count first (`countHits`, a round trip of about a millisecond for
 * a rare word, tens for a common one) and the form chosen here. FEW_HITS balances the two: counting reads up
 * to that many rows, and a walk reads about (tickets × page size / matches). Without `hits` (relevance,
 * which scores every match anyway): every matching document, by its GIN index.
 */
export function searchedIds(
  db: Db,
  as: Standing,
  search: TicketSearch,
  select: (condition: SQL) => SQLWrapper,
  hits?: HitCounts,
): SQL {
  const query = tsQuery(search);
  // With counts, the few form takes every hit behind an OFFSET 0, which keeps PostgreSQL from merging the
  // list into a semi-join planned on its guess. Never a LIMIT: the counts may be a minute old, and a word
  // that has become common since must still find every ticket (only slower).
  const { inTickets, inMessages } = textHits(db, as, search);
  const fenced = (ids: SQLWrapper) => (hits ? sql`(${ids} offset 0)` : ids);
  const branches = [
    hits && hits.inTickets > FEW_HITS ? sql`${tickets.search} @@ ${query}` : inArray(tickets.id, fenced(inTickets)),
    hits && hits.inMessages > FEW_HITS ? messageMatches(db, as, search) : inArray(tickets.id, fenced(inMessages)),
  ];
  if (search.id !== undefined) branches.push(eq(tickets.id, search.id));
  if (as === 'staff') branches.push(creatorMatches(db, search));
  return sql.join(branches.map(select), sql` union `);
}

export function creatorMatches(db: Db, search: TicketSearch): SQL {
  return inArray(
    tickets.creatorId,
    db
      .select({ id: users.id })
      .from(users)
      .where(or(eq(users.email, search.email), eq(users.usernameNormalized, search.username))),
  );
}
