import type { Db } from './client.js';

/**
 * A figure about the data that only steers which form of a statement runs (how many tickets carry a tag,
 * how many documents match a word), never which rows come back: kept for a while per database handle, as
 * PostgreSQL keeps its own statistics, so repeated lists and the next pages of a search do not measure it
 * again. A stale figure can only make a list slower for at most `ttlMs`. Bounded: emptied when full.
 */
export function planStatistic<Value>(options: { ttlMs: number; max: number }) {
  const byHandle = new WeakMap<Db, Map<string, { value: Value; until: number }>>();
  return async (db: Db, key: string, measure: () => Promise<Value>): Promise<Value> => {
    let known = byHandle.get(db);
    if (!known) {
      known = new Map();
      byHandle.set(db, known);
    }
    const now = Date.now();
    const entry = known.get(key);
    if (entry && entry.until > now) return entry.value;
    const value = await measure();
    if (known.size >= options.max) known.clear();
    known.set(key, { value, until: now + options.ttlMs });
    return value;
  };
}
