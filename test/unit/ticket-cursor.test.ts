import { describe, expect, it } from 'vitest';
import { encodeCursor } from '../../src/lib/cursor.js';
import { DomainError } from '../../src/lib/errors.js';
import {
  decodeTicketCursor,
  encodeTicketCursor,
  positionOf,
  TICKET_SORTS,
  type TicketSort,
  ticketPage,
} from '../../src/tickets/ticket-cursor.js';

const row = {
  id: 42,
  createdAt: new Date('2025-01-14T13:32:48.417Z'),
  updatedAt: new Date('2025-02-01T00:00:00.001Z'),
  priority: 'high' as const,
  rank: 0.0607927017211914,
};

function expect422(read: () => unknown): void {
  try {
    read();
    expect.unreachable('accepted a cursor it should refuse');
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).status).toBe(422);
  }
}

describe('ticket list cursors', () => {
  it.each(TICKET_SORTS)('round-trips a position of %s', (sort) => {
    const position = positionOf(sort, row);
    expect(decodeTicketCursor(sort, encodeTicketCursor(sort, position, 'q'), 'q')).toEqual(position);
  });

  it('keeps the created_at cursor every client holds, byte for byte, for both created_at orders', () => {
    const held = encodeCursor({ createdAt: row.createdAt, id: row.id });
    expect(encodeTicketCursor('created_at_desc', positionOf('created_at_desc', row))).toBe(held);
    for (const sort of ['created_at_desc', 'created_at_asc'] as const) {
      expect(decodeTicketCursor(sort, held)).toEqual({ by: 'created_at', at: row.createdAt, id: row.id });
    }
  });

  it('refuses a cursor of one order with any other (created_at asc and desc share theirs)', () => {
    for (const from of TICKET_SORTS) {
      const cursor = encodeTicketCursor(from, positionOf(from, row), 'q');
      for (const to of TICKET_SORTS) {
        const shared = from.startsWith('created_at') && to.startsWith('created_at');
        if (from === to || shared) expect(decodeTicketCursor(to, cursor, 'q').id).toBe(42);
        else expect422(() => decodeTicketCursor(to, cursor, 'q'));
      }
    }
  });

  it('binds a relevance cursor to its q', () => {
    const cursor = encodeTicketCursor('relevance', positionOf('relevance', row), 'принтер');
    expect(decodeTicketCursor('relevance', cursor, 'принтер')).toEqual({ by: 'relevance', rank: row.rank, id: 42 });
    expect422(() => decodeTicketCursor('relevance', cursor, 'принтеры'));
    expect422(() => decodeTicketCursor('relevance', cursor));
  });

  const forged: [TicketSort, unknown][] = [
    ['updated_at_desc', ['updated_at_desc', 1]],
    ['updated_at_desc', ['updated_at_desc', 1.5, 1]],
    ['updated_at_desc', ['updated_at_desc', 253_402_300_800_000, 1]],
    ['updated_at_asc', ['updated_at_asc', 1, -1]],
    ['updated_at_asc', ['updated_at_asc', '1', 1]],
    ['priority_desc', ['priority_desc', 'HIGH', 1, 1]],
    ['priority_desc', ['priority_desc', 'high', 1, 1, 1]],
    ['relevance', ['relevance', 'NaN', 1, '']],
    ['relevance', ['relevance', -0.5, 1, '']],
    ['relevance', ['relevance', 0.5, 3_000_000_000, '']],
    ['relevance', { relevance: 1 }],
    ['updated_at_desc', null],
  ];
  it.each(forged)('refuses a forged %s cursor %j', (sort, value) => {
    expect422(() => decodeTicketCursor(sort, Buffer.from(JSON.stringify(value)).toString('base64url')));
  });

  it('refuses text that is not a cursor at all', () => {
    for (const sort of TICKET_SORTS) expect422(() => decodeTicketCursor(sort, '!!not base64 json'));
  });

  it('gives a cursor only when a row follows the page', () => {
    const rows = [1, 2, 3];
    expect(ticketPage(rows, 2, String)).toEqual({ items: [1, 2], nextCursor: '2' });
    expect(ticketPage(rows, 3, String)).toEqual({ items: rows, nextCursor: null });
  });
});
