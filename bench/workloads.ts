/** The workloads, each as the API is called and as the reference is called for the same work. */

export type Side = 'ours' | 'reference';

export interface Fixture {
  /** Ticket ids are contiguous after seeding; requests pick one at random. */
  firstTicketId: number;
  lastTicketId: number;
  operatorId: number;
  customerId: number;
  groupId: number;
  /** Tickets with a history of exactly 50 events (see `historyStride` in seed.ts). */
  historyTicketIds: number[];
  /** Bearer tokens for the API (the reference has no authentication). */
  operatorToken: string;
  customerToken: string;
}

export interface HttpCall {
  method: 'GET' | 'POST';
  path: string;
  body?: string;
  headers: Record<string, string>;
}

export interface Workload {
  name: string;
  /** Lists are measured for p99 at every dataset size (the keyset target). */
  list: boolean;
  call(side: Side, fixture: Fixture): HttpCall;
}

const randomTicket = (f: Fixture) =>
  f.firstTicketId + Math.floor(Math.random() * (f.lastTicketId - f.firstTicketId + 1));

const randomHistoryTicket = (f: Fixture) =>
  f.historyTicketIds[Math.floor(Math.random() * f.historyTicketIds.length)] ?? f.firstTicketId;

function headers(side: Side, token: string, json = false): Record<string, string> {
  return {
    ...(side === 'ours' ? { authorization: `Bearer ${token}` } : {}),
    ...(json ? { 'content-type': 'application/json' } : {}),
  };
}

export const workloads: Workload[] = [
  {
    name: 'list tickets (status, as operator)',
    list: true,
    call: (side, f) => ({
      method: 'GET',
      path: '/api/tickets?status=open&limit=20',
      headers: headers(side, f.operatorToken),
    }),
  },
  {
    name: 'list own tickets (customer)',
    list: true,
    call: (side, f) => ({
      method: 'GET',
      path: side === 'ours' ? '/api/tickets?limit=20' : `/api/tickets?limit=20&creator_id=${f.customerId}`,
      headers: headers(side, f.customerToken),
    }),
  },
  {
    name: 'list by tag (1 %, operator)',
    list: true,
    call: (side, f) => ({
      method: 'GET',
      path: '/api/tickets?tag=vip&limit=20',
      headers: headers(side, f.operatorToken),
    }),
  },
  {
    name: 'list by group (operator)',
    list: true,
    call: (side, f) => ({
      method: 'GET',
      path: `/api/tickets?group_id=${f.groupId}&limit=20`,
      headers: headers(side, f.operatorToken),
    }),
  },
  {
    name: 'list assigned to me (operator)',
    list: true,
    call: (side, f) => ({
      method: 'GET',
      path: side === 'ours' ? '/api/tickets?assignee=me&limit=20' : `/api/tickets?operator_id=${f.operatorId}&limit=20`,
      headers: headers(side, f.operatorToken),
    }),
  },
  {
    // ~100 tickets at a million: the GIN indexes, then a sort of those few.
    name: 'search a rare word (operator)',
    list: true,
    call: (side, f) => ({
      method: 'GET',
      path: '/api/tickets?q=grinding&limit=20',
      headers: headers(side, f.operatorToken),
    }),
  },
  {
    // ~100 000 tickets at a million: newest first, a page is found long before the matches are all read.
    name: 'search a common word (operator)',
    list: true,
    call: (side, f) => ({
      method: 'GET',
      path: '/api/tickets?q=toner&limit=20',
      headers: headers(side, f.operatorToken),
    }),
  },
  {
    name: 'get one ticket',
    list: false,
    call: (side, f) => ({
      method: 'GET',
      path: `/api/tickets/${randomTicket(f)}`,
      headers: headers(side, f.operatorToken),
    }),
  },
  {
    name: 'list messages of a ticket',
    list: true,
    call: (side, f) => ({
      method: 'GET',
      path: `/api/tickets/${randomTicket(f)}/messages?limit=20`,
      headers: headers(side, f.operatorToken),
    }),
  },
  {
    // A full page: each of these tickets has exactly 50 events (created, 5 messages, 44 updates).
    name: 'ticket history (50 events)',
    list: true,
    call: (side, f) => ({
      method: 'GET',
      path: `/api/tickets/${randomHistoryTicket(f)}/events?limit=50`,
      headers: headers(side, f.operatorToken),
    }),
  },
  {
    name: 'create a ticket (customer)',
    list: false,
    call: (side, f) => ({
      method: 'POST',
      path: '/api/tickets',
      headers: headers(side, f.customerToken, true),
      body: JSON.stringify({
        subject: 'Printer on floor 3',
        description: 'The printer shows an error and prints nothing since this morning.',
        ...(side === 'reference' ? { creator_id: f.customerId } : {}),
      }),
    }),
  },
  {
    name: 'post a message (operator)',
    list: false,
    call: (side, f) => ({
      method: 'POST',
      path: `/api/tickets/${randomTicket(f)}/messages`,
      headers: headers(side, f.operatorToken, true),
      body: JSON.stringify({
        text: 'We have restarted the print server; please try again.',
        ...(side === 'reference' ? { author_id: f.operatorId } : {}),
      }),
    }),
  },
];
