import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor, paginate } from '../../src/lib/cursor.js';
import { DomainError } from '../../src/lib/errors.js';

describe('cursor', () => {
  it('round-trips a position', () => {
    const position = { createdAt: new Date('2025-01-14T13:32:48.417Z'), id: 42 };
    expect(decodeCursor(encodeCursor(position))).toEqual(position);
  });

  it.each([
    'not-base64-json',
    Buffer.from('{"a":1}').toString('base64url'),
    Buffer.from('[1,2,3]').toString('base64url'),
    Buffer.from('[1e20,1]').toString('base64url'),
    Buffer.from('[1,-1]').toString('base64url'),
    Buffer.from('[1,3000000000]').toString('base64url'),
    Buffer.from('["x",1]').toString('base64url'),
    Buffer.from('[8640000000000001,1]').toString('base64url'),
    Buffer.from('[-62167219200000,1]').toString('base64url'),
    Buffer.from('[253402300800000,1]').toString('base64url'),
  ])('refuses %s with a 422 on the cursor parameter', (text) => {
    try {
      decodeCursor(text);
      expect.unreachable('decodeCursor accepted garbage');
    } catch (error) {
      expect(error).toBeInstanceOf(DomainError);
      expect((error as DomainError).status).toBe(422);
      expect((error as DomainError).detail).toEqual([
        { loc: ['query', 'cursor'], msg: 'Invalid cursor', type: 'value_error' },
      ]);
    }
  });

  it('pages by fetching one row more than the limit', () => {
    const rows = [1, 2, 3].map((id) => ({ id, createdAt: new Date(id * 1000) }));
    const full = paginate(rows, 2, (row) => row);
    expect(full.items.map((r) => r.id)).toEqual([1, 2]);
    expect(decodeCursor(full.nextCursor ?? '')).toEqual({ id: 2, createdAt: new Date(2000) });
    expect(paginate(rows, 3, (row) => row).nextCursor).toBeNull();
  });
});
