/**
 * Before a read is measured, both sides answer it once and the harness checks they answer the same thing: a
 * reference that returned fewer fields (as it did until 2026-12-06, before tickets had triage, group, merge
 * and SLA) measures a smaller payload, not the API's overhead. Our `data` is compared with the reference's
 * whole body: the same fields everywhere, and for staff the same values (a customer's view of a ticket hides
 * staff fields the reference, which has no callers, still fills).
 */
import type { Target } from './load.js';
import type { Fixture, HttpCall, Workload } from './workloads.js';

/** Every field's path in a JSON value, array items folded into `[]` (`data[].creator.email`). */
export function fieldPaths(value: unknown, prefix = ''): Set<string> {
  const paths = new Set<string>();
  const visit = (node: unknown, at: string) => {
    if (Array.isArray(node)) {
      for (const item of node) visit(item, `${at}[]`);
    } else if (node !== null && typeof node === 'object') {
      for (const [key, child] of Object.entries(node)) {
        const path = at ? `${at}.${key}` : key;
        paths.add(path);
        visit(child, path);
      }
    }
  };
  visit(value, prefix);
  return paths;
}

/** JSON with every object's keys sorted: PostgreSQL's jsonb and our views may order keys differently. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, node: unknown) =>
    node !== null && typeof node === 'object' && !Array.isArray(node)
      ? Object.fromEntries(Object.entries(node).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : node,
  );
}

/** What differs between two answers, in words; empty when they are the same (`values`: compare values too). */
export function answerDifferences(ours: unknown, reference: unknown, values: boolean): string[] {
  const ourPaths = fieldPaths(ours);
  const referencePaths = fieldPaths(reference);
  const onlyOurs = [...ourPaths].filter((path) => !referencePaths.has(path));
  const onlyReference = [...referencePaths].filter((path) => !ourPaths.has(path));
  const differences = [
    ...(onlyOurs.length ? [`fields only the API answers: ${onlyOurs.join(', ')}`] : []),
    ...(onlyReference.length ? [`fields only the reference answers: ${onlyReference.join(', ')}`] : []),
  ];
  if (!differences.length && values && canonicalJson(ours) !== canonicalJson(reference)) {
    differences.push('the same fields with different values');
  }
  return differences;
}

/**
 * One fixed ticket for every side (the workloads pick tickets at random), so both answer about the same one.
 */
function oneTicket(fixture: Fixture): Fixture {
  const ticket = fixture.historyTicketIds[0] ?? fixture.firstTicketId;
  return { ...fixture, firstTicketId: ticket, lastTicketId: ticket, historyTicketIds: [ticket] };
}

async function answer(target: Target, call: HttpCall): Promise<unknown> {
  const response = await fetch(`${target.baseUrl}${call.path}`, { headers: call.headers });
  if (!response.ok) throw new Error(`${call.path}: ${target.side} answered ${response.status}`);
  const body: unknown = await response.json();
  return target.side === 'ours' && body !== null && typeof body === 'object' && 'data' in body ? body.data : body;
}

/** Throws when a read's two answers differ (writes are left alone: each creates its own row). */
export async function checkSameAnswers(targets: Target[], workload: Workload, fixture: Fixture): Promise<void> {
  const fixed = oneTicket(fixture);
  const ours = targets.find((target) => target.side === 'ours');
  const reference = targets.find((target) => target.side === 'reference');
  const ourCall = workload.call('ours', fixed);
  if (!ours || !reference || ourCall.method !== 'GET') return;
  // Values are compared for staff only: a customer's view hides fields the reference still fills.
  const asStaff = ourCall.headers.authorization === `Bearer ${fixture.operatorToken}`;
  const differences = answerDifferences(
    await answer(ours, ourCall),
    await answer(reference, workload.call('reference', fixed)),
    asStaff,
  );
  if (differences.length) {
    throw new Error(`${workload.name}: the reference does not answer what the API does (${differences.join('; ')})`);
  }
}
