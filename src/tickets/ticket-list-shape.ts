import { aliasedTable, asc, desc, eq, gte, isNull, lt, type Placeholder, type SQL, sql } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import type { Standing } from '../access/caller.js';
import type { Db } from '../db/client.js';
import { rowBucket } from '../db/prepared.js';
import { ticketPriority, ticketStatus, tickets } from '../db/schema.js';
import { FEW_TAGGED, taggedCount } from './tag-frequency.js';
import type { TicketListFilter } from './ticket-repository.js';

/**
 * Which ticket lists run as prepared statements, and their SQL with placeholders (ticket-repository.ts,
 * `listAs`, runs them).
 *
 * A prepared statement is parsed once per connection, and after a few runs PostgreSQL keeps one generic plan
 * for it: the query builder and the planner leave the request's path (at 1M tickets planning a filtered list
 * cost 0.4–1.6 ms, more than running it). A generic plan does not know the values, so a list is prepared only
 * when one plan suits every value:
 *
 * - the order is created_at (either way), and every filter is a column whose index ends in (created_at, id)
 *   (status, priority, group, operator or assignee, creator for customers) or a range of created_at itself:
 *   whatever the value, the plan walks such an index and stops after a page;
 * - a tag's plan does depend on how common the tag is (a common one is found by walking created_at, a rare one
 *   by its GIN index), so the tag takes one of two forms, each with one right plan: few tagged tickets
 *   (`tag-frequency.ts` knows, up to FEW_TAGGED) are looked up by the index and sorted, many are walked in
 *   order with a test the GIN index cannot answer (`= any`), so no plan can pick the wrong one.
 *
 * Everything else (another order, `updated_after`, a search) is built and planned per request. Shapes are at
 * most 2 standings × 2 orders × 2 × 5 row counts × the filter combinations, but a desk uses a handful (its
 * views); MAX_PREPARED_SHAPES bounds what a process prepares, each costing memory on every pooled connection.
 */

const MAX_PREPARED_SHAPES = 48;
const admitted = new Set<string>();

export type ListShape = string & { readonly listShape: unique symbol };

/** The filters' letters in a shape, in a fixed order. */
const FLAGS = {
  status: 's',
  priority: 'p',
  group: 'g',
  noGroup: 'G',
  operator: 'o',
  mine: 'm',
  unassigned: 'n',
  createdAfter: 'a',
  createdBefore: 'b',
  commonTag: 't',
  rareTag: 'T',
} as const;

/** The shape of this list when it runs prepared; undefined when it is built per request. */
export async function listShapeOf(db: Db, as: Standing, filter: TicketListFilter): Promise<ListShape | undefined> {
  const { sort, after, limit, search, updatedAfter, tag } = filter;
  // An SLA filter's plan depends on how many tickets are due: built per request too.
  if (search || updatedAfter || filter.sla || (sort !== 'created_at_desc' && sort !== 'created_at_asc'))
    return undefined;
  const tagFlag = tag === undefined ? '' : (await taggedCount(db, tag)) > FEW_TAGGED ? FLAGS.commonTag : FLAGS.rareTag;
  const flags = [
    filter.status ? FLAGS.status : '',
    filter.priority ? FLAGS.priority : '',
    filter.groupId === null ? FLAGS.noGroup : filter.groupId !== undefined ? FLAGS.group : '',
    filter.operatorId !== undefined ? FLAGS.operator : '',
    filter.assignee === 'me' ? FLAGS.mine : filter.assignee === 'none' ? FLAGS.unassigned : '',
    filter.createdAfter ? FLAGS.createdAfter : '',
    filter.createdBefore ? FLAGS.createdBefore : '',
    tagFlag,
  ].join('');
  const order = sort === 'created_at_asc' ? 'a' : 'd';
  const shape = `${as === 'staff' ? 'o' : 'c'}${order}${after ? 'k' : '_'}${rowBucket(limit)}_${flags}`;
  if (!admitted.has(shape)) {
    if (admitted.size >= MAX_PREPARED_SHAPES) return undefined;
    admitted.add(shape);
  }
  return shape as ListShape;
}

const placeholder = (name: string) => sql.placeholder(name);
const tagged = aliasedTable(tickets, 'tagged');
const instant = (name: string) => sql`${placeholder(name)}::timestamptz`;

/** The shape's filters' letters. */
const flagsOf = (shape: ListShape) => shape.slice(shape.indexOf('_', 3) + 1);

/**
 * The column a staff list's order leads with: one of its filters by equality (or IS NULL), whose index
 * (column, created_at, id) the list walks. A generic plan only knows a column's average frequency, and when
 * that is high (a group holding 7.5 % of the tickets) it prefers walking created_at and filtering, which for
 * a rare value reads the whole table. So the leading filter is written `col = any(array[$1])`, which
 * PostgreSQL neither folds into a constant (as it does `col = $1`, making an order by col meaningless) nor
 * estimates differently from `col = $1` (so it keeps the generic plan rather than planning each call), and
 * the order starts with that column: only its index yields that order without a sort, so it is the plan
 * for every value. A rare tag leads itself (its few tickets are sorted), and a customer's list has its
 * creator.
 */
interface Lead {
  flag: string;
  column: PgColumn;
  /** Absent: the filter is IS NULL. */
  value?: Placeholder;
  /** The column's SQL type, for the value's array. */
  type?: SQL;
}

function leadOf(shape: ListShape): Lead | undefined {
  const flags = flagsOf(shape);
  if (shapeStanding(shape) === 'customer' || flags.includes(FLAGS.rareTag)) return undefined;
  const candidates: Lead[] = [
    { flag: FLAGS.mine, column: tickets.operatorId, value: placeholder('callerId'), type: sql`integer` },
    { flag: FLAGS.operator, column: tickets.operatorId, value: placeholder('operatorId'), type: sql`integer` },
    { flag: FLAGS.unassigned, column: tickets.operatorId },
    { flag: FLAGS.group, column: tickets.groupId, value: placeholder('groupId'), type: sql`integer` },
    { flag: FLAGS.noGroup, column: tickets.groupId },
    {
      flag: FLAGS.priority,
      column: tickets.priority,
      value: placeholder('priority'),
      type: sql`${sql.identifier(ticketPriority.enumName)}`,
    },
    {
      flag: FLAGS.status,
      column: tickets.status,
      value: placeholder('status'),
      type: sql`${sql.identifier(ticketStatus.enumName)}`,
    },
  ];
  return candidates.find((lead) => flags.includes(lead.flag));
}

/**
 * The shape's WHERE (filters, with placeholders: `shapeParams` gives their values; and the position after a
 * cursor) and ORDER BY, on `tickets`.
 */
export function shapeQuery(shape: ListShape): { conditions: (SQL | undefined)[]; order: SQL[] } {
  const flags = flagsOf(shape);
  const lead = leadOf(shape);
  // OFFSET 0 keeps the look-up a query of its own: merged into the list, a generic plan walks created_at.
  // (Written out: the query builder leaves out an OFFSET of 0.)
  const taggedIds = sql`select ${tagged.id} from ${tickets} as ${sql.identifier('tagged')} where ${tagged.tags} @> array[${placeholder('tag')}::text] offset 0`;
  // A leading value is its range below; every other filter, on the same column too, stays as written.
  const has = (flag: string) => flags.includes(flag) && flag !== lead?.flag;
  const equal = (column: PgColumn, name: string) => eq(column, placeholder(name));
  const conditions = [
    has(FLAGS.status) ? equal(tickets.status, 'status') : undefined,
    has(FLAGS.priority) ? equal(tickets.priority, 'priority') : undefined,
    has(FLAGS.group) ? equal(tickets.groupId, 'groupId') : undefined,
    flags.includes(FLAGS.noGroup) ? isNull(tickets.groupId) : undefined,
    has(FLAGS.operator) ? equal(tickets.operatorId, 'operatorId') : undefined,
    has(FLAGS.mine) ? equal(tickets.operatorId, 'callerId') : undefined,
    flags.includes(FLAGS.unassigned) ? isNull(tickets.operatorId) : undefined,
    lead?.value ? sql`${lead.column} = any(array[${lead.value}::${lead.type}])` : undefined,
    has(FLAGS.createdAfter) ? gte(tickets.createdAt, instant('createdAfter')) : undefined,
    has(FLAGS.createdBefore) ? lt(tickets.createdAt, instant('createdBefore')) : undefined,
    // `= any` is no operator of the GIN index: the plan walks the order's index, testing each ticket.
    has(FLAGS.commonTag) ? sql`${placeholder('tag')}::text = any(${tickets.tags})` : undefined,
    // The tagged tickets by the GIN index, then sorted. Never cut short: a tag counted a minute ago may have
    // been put on many more tickets since, which only makes this form slower.
    has(FLAGS.rareTag) ? sql`${tickets.id} in (${taggedIds})` : undefined,
    positionAfter(shape, lead?.value ? lead : undefined),
  ];
  const direction = shapeOrder(shape) === 'asc' ? asc : desc;
  const columns = [...(lead ? [lead.column] : []), tickets.createdAt, tickets.id];
  return { conditions, order: columns.map((column) => direction(column)) };
}

/**
 * Rows past the cursor's (created_at, id), as a row comparison an index answers as a range; with a leading
 * value the comparison starts with it (its index's first column), else the index could not bound the walk.
 */
function positionAfter(shape: ListShape, lead?: Lead): SQL | undefined {
  if (!shapeHasPosition(shape)) return undefined;
  const columns = [...(lead ? [lead.column] : []), tickets.createdAt, tickets.id];
  const values = [...(lead?.value ? [lead.value] : []), instant('afterAt'), placeholder('afterId')];
  const operator = shapeOrder(shape) === 'asc' ? sql`>` : sql`<`;
  return sql`(${sql.join(columns, sql`, `)}) ${operator} (${sql.join(values, sql`, `)})`;
}

/** The values of a shape's placeholders, from the filter (`callerParams` adds the caller's). */
export function shapeParams(filter: TicketListFilter) {
  const { after } = filter;
  return {
    status: filter.status,
    priority: filter.priority,
    groupId: filter.groupId ?? undefined,
    operatorId: filter.operatorId,
    createdAfter: filter.createdAfter?.toISOString(),
    createdBefore: filter.createdBefore?.toISOString(),
    tag: filter.tag,
    afterAt: after?.by === 'created_at' ? after.at.toISOString() : undefined,
    afterId: after?.id,
  };
}

/** The row count written into a shape's statement. */
export const shapeRows = (shape: ListShape) => Number(shape.slice(3, shape.indexOf('_', 3)));
/** 'asc' or 'desc'. */
export const shapeOrder = (shape: ListShape) => (shape[1] === 'a' ? 'asc' : 'desc');
export const shapeStanding = (shape: ListShape): Standing => (shape[0] === 'o' ? 'staff' : 'customer');
export const shapeHasPosition = (shape: ListShape) => shape[2] === 'k';
