import { describe, expect, it } from 'vitest';
import { answerDifferences, canonicalJson, fieldPaths } from '../../bench/same-answers.js';

/** The bench refuses to compare the API with a reference that answers something else (bench/same-answers.ts). */
describe("the bench's same-answers check", () => {
  const ticket = { id: 1, tags: ['vip'], group: null, creator: { id: 2, email: 'a@b.c' } };

  it('lists every field by path, array items folded', () => {
    expect([...fieldPaths([ticket])].sort()).toEqual([
      '[].creator',
      '[].creator.email',
      '[].creator.id',
      '[].group',
      '[].id',
      '[].tags',
    ]);
  });

  it('finds fields only one side answers, nested ones included', () => {
    const { group: _, ...narrower } = ticket;
    expect(answerDifferences([ticket], [narrower], true)).toEqual(['fields only the API answers: [].group']);
    const wider = { ...ticket, creator: { ...ticket.creator, role: 'customer' } };
    expect(answerDifferences([ticket], [wider], false)).toEqual(['fields only the reference answers: [].creator.role']);
  });

  it('compares values only when asked, whatever the key order', () => {
    const reordered = { creator: { email: 'a@b.c', id: 2 }, group: null, tags: ['vip'], id: 1 };
    expect(canonicalJson(reordered)).toBe(canonicalJson(ticket));
    expect(answerDifferences([ticket], [reordered], true)).toEqual([]);
    const hidden = { ...ticket, tags: [] };
    expect(answerDifferences([ticket], [hidden], false)).toEqual([]);
    expect(answerDifferences([ticket], [{ ...ticket, id: 3 }], true)).toEqual([
      'the same fields with different values',
    ]);
  });
});
