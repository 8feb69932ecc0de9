import { describe, expect, it } from 'vitest';
import { normalizeTags } from '../../src/tickets/tags.js';
import { changesOf, tagsAfter } from '../../src/tickets/ticket-changes.js';

const ticket = {
  status: 'open' as const,
  operatorId: null,
  priority: 'normal' as const,
  tags: ['billing', 'vip'],
  groupId: 3,
};

describe('tags', () => {
  it('are trimmed, lower-cased, unique and sorted, in any script', () => {
    expect(normalizeTags([' VIP ', 'Принтер', 'vip', 'a-b', 'ПРИНТЕР'])).toEqual(['a-b', 'vip', 'принтер']);
  });

  it('add and remove on top of the current set, or of the set sent', () => {
    expect(tagsAfter(ticket.tags, { add_tags: ['New'], remove_tags: ['VIP'] })).toEqual(['billing', 'new']);
    expect(tagsAfter(ticket.tags, { tags: ['x'], add_tags: ['y'] })).toEqual(['x', 'y']);
    expect(tagsAfter(ticket.tags, { remove_tags: ['absent'] })).toEqual(['billing', 'vip']);
  });

  it('refuse to grow past 20', () => {
    const twenty = Array.from({ length: 20 }, (_, i) => `t${i}`);
    expect(() => tagsAfter(twenty, { add_tags: ['one-more'] })).toThrow();
    expect(tagsAfter(twenty, { add_tags: ['one-more'], remove_tags: ['t0'] })).toHaveLength(20);
  });
});

describe('changesOf', () => {
  it('records each changed field with its values, in the API names', () => {
    const { columns, recorded } = changesOf(ticket, {
      status: 'closed',
      operator_id: 7,
      priority: 'urgent',
      add_tags: ['new'],
      group_id: null,
    });
    expect(columns).toEqual({
      status: 'closed',
      operatorId: 7,
      priority: 'urgent',
      tags: ['billing', 'new', 'vip'],
      groupId: null,
    });
    expect(recorded).toEqual({
      status: { from: 'open', to: 'closed' },
      operator_id: { from: null, to: 7 },
      priority: { from: 'normal', to: 'urgent' },
      tags: { from: ['billing', 'vip'], to: ['billing', 'new', 'vip'] },
      group_id: { from: 3, to: null },
    });
  });

  it('treats setting a field to its value as no change', () => {
    expect(changesOf(ticket, { status: 'open', tags: ['VIP', 'Billing'], group_id: 3, operator_id: null })).toEqual({
      columns: {},
      recorded: {},
    });
  });
});
