import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CannedResponseView } from '../../src/canned-responses/canned-response-schemas.js';
import { cannedResponses } from '../../src/db/schema.js';
import { type Ok, type Page, TestContext, type TestUser } from '../helpers/context.js';

let ctx: TestContext;
let admin: TestUser;
let author: TestUser;
let colleague: TestUser;
let customer: TestUser;
beforeAll(async () => {
  ctx = await TestContext.create();
  admin = await ctx.newUser('admin');
  author = await ctx.newUser('operator');
  colleague = await ctx.newUser('operator');
  customer = await ctx.newUser('customer');
});
afterAll(async () => ctx.close());

type Body = Record<string, unknown>;
const create = (payload: Body, who: TestUser = author) =>
  ctx.request<Ok<CannedResponseView>>({ method: 'POST', url: '/api/canned-responses', payload, headers: who.auth });
const made = async (payload: Body, who: TestUser = author) => {
  const res = await create({ text: 'Some text', ...payload }, who);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.data;
};
const one = (id: number) => `/api/canned-responses/${id}`;
const get = (id: number, who: TestUser) =>
  ctx.request<Ok<CannedResponseView>>({ method: 'GET', url: one(id), headers: who.auth });
const patch = (id: number, payload: Body, who: TestUser) =>
  ctx.request<Ok<CannedResponseView>>({ method: 'PATCH', url: one(id), payload, headers: who.auth });
const remove = (id: number, who: TestUser) => ctx.request({ method: 'DELETE', url: one(id), headers: who.auth });
const list = (query: string, who: TestUser) =>
  ctx.request<Page<CannedResponseView>>({ method: 'GET', url: `/api/canned-responses${query}`, headers: who.auth });
const render = (id: number, payload: Body, who: TestUser = author) =>
  ctx.request<Ok<{ text: string }>>({ method: 'POST', url: `${one(id)}/render`, payload, headers: who.auth });

/** Every page of a list, following `meta.next_cursor`. */
async function allPages(
  query: string,
  who: TestUser,
  limit: number,
): Promise<{ pages: number; items: CannedResponseView[] }> {
  const items: CannedResponseView[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const res: Awaited<ReturnType<typeof list>> = await list(
      `${query}${query ? '&' : '?'}limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`,
      who,
    );
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    items.push(...res.body.data);
    cursor = res.body.meta.next_cursor;
    pages += 1;
  } while (cursor !== null && pages < 100);
  return { pages, items };
}

describe('POST /api/canned-responses', () => {
  it('lets operators and admins keep an answer, private by default, with its author', async () => {
    const res = await create({ title: 'Restart', text: 'Please restart it.' });
    expect(res.status).toBe(201);
    expect(res.body.message).toBe('Canned response created');
    expect(res.body.data).toMatchObject({
      title: 'Restart',
      text: 'Please restart it.',
      shared: false,
      author: { id: author.user.id, username: author.user.username, role: 'operator' },
    });
    expect(JSON.stringify(res.body)).not.toMatch(/password|argon2|token_version/);
    expect((await create({ title: 'Shared', text: 't', shared: true }, admin)).body.data.shared).toBe(true);
  });

  it('refuses customers (403)', async () => {
    expect((await create({ title: 'No', text: 'No' }, customer)).status).toBe(403);
  });

  it('refuses bad bodies with 422', async () => {
    for (const payload of [
      {},
      { title: 'x' },
      { text: 'x' },
      { title: '', text: 'x' },
      { title: '  ', text: 'x' },
      { title: 'x', text: '' },
      { title: 'x'.repeat(201), text: 'x' },
      { title: 'x', text: 'x'.repeat(50_001) },
      { title: 'x', text: 'x', shared: 'yes' },
      { title: 'x', text: 'x', author_id: 1 },
    ]) {
      expect((await create(payload)).status, JSON.stringify(payload).slice(0, 80)).toBe(422);
    }
    expect((await create({ title: 'x'.repeat(200), text: 'x'.repeat(50_000) })).status).toBe(201);
  });
});

describe('who sees and changes what', () => {
  it('own and shared ones are readable; another operator’s private one is 404, for everyone but admins', async () => {
    const own = await made({ title: 'Own private' });
    const shared = await made({ title: 'Own shared', shared: true });
    expect((await get(own.id, author)).body).toEqual({ data: own, message: 'Canned response' });
    expect((await get(shared.id, colleague)).status).toBe(200);
    const hidden = await get(own.id, colleague);
    expect(hidden.status).toBe(404);
    expect(hidden.body).toEqual({ detail: 'Canned response not found' });
    expect((await get(own.id, admin)).status).toBe(200);
    expect((await get(own.id, customer)).status).toBe(403);
    expect((await get(shared.id, customer)).status).toBe(403);
    const missing = await get(2_147_483_647, author);
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ detail: 'Canned response not found' });
  });

  it('lets the author and admins change and delete; another operator gets 403 on a shared one, 404 on a private one', async () => {
    const shared = await made({ title: 'To change', shared: true });
    const own = await made({ title: 'Private to change' });
    const forbidden = await patch(shared.id, { title: 'Mine now' }, colleague);
    expect(forbidden.status).toBe(403);
    expect(forbidden.body).toEqual({ detail: 'Only its author or an admin can change a canned response' });
    expect((await remove(shared.id, colleague)).status).toBe(403);
    expect((await patch(own.id, { title: 'x' }, colleague)).status).toBe(404);
    expect((await remove(own.id, colleague)).status).toBe(404);
    expect((await patch(shared.id, { title: 'x' }, customer)).status).toBe(403);
    expect((await remove(shared.id, customer)).status).toBe(403);

    await ctx.db
      .update(cannedResponses)
      .set({ updatedAt: sql`now() - interval '1 hour'` })
      .where(eq(cannedResponses.id, shared.id));
    const changed = await patch(shared.id, { title: 'Changed', text: 'New text', shared: false }, author);
    expect(changed.status).toBe(200);
    expect(changed.body.message).toBe('Canned response updated');
    expect(changed.body.data).toMatchObject({ title: 'Changed', text: 'New text', shared: false });
    expect(changed.body.data.updated_at > shared.updated_at).toBe(true);
    // No longer shared: the colleague cannot see it any more.
    expect((await get(shared.id, colleague)).status).toBe(404);
    expect((await patch(own.id, { shared: true }, admin)).body.data).toMatchObject({
      shared: true,
      author: { id: author.user.id },
    });

    const deleted = await remove(own.id, admin);
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({ data: null, message: 'Canned response deleted' });
    expect((await get(own.id, author)).status).toBe(404);
    expect((await remove(own.id, author)).status).toBe(404);
    expect((await remove(shared.id, author)).status).toBe(200);
  });

  it('refuses bad updates with 422', async () => {
    const own = await made({ title: 'Bad updates' });
    for (const payload of [{}, { title: '' }, { text: '' }, { shared: 1 }, { author_id: colleague.user.id }]) {
      expect((await patch(own.id, payload, author)).status, JSON.stringify(payload)).toBe(422);
    }
    expect((await ctx.request({ method: 'GET', url: '/api/canned-responses/0', headers: author.auth })).status).toBe(
      422,
    );
  });
});

describe('GET /api/canned-responses', () => {
  it("lists the caller's own and the shared ones by title, never another's private ones, over several pages", async () => {
    const lister = await ctx.newUser('operator');
    const other = await ctx.newUser('operator');
    const mine = await Promise.all(['m-c', 'm-a', 'm-e', 'm-a'].map((title) => made({ title }, lister)));
    const shared = await Promise.all(['m-b', 'm-d'].map((title) => made({ title, shared: true }, other)));
    const hidden = await made({ title: 'm-0 hidden' }, other);
    const { pages, items } = await allPages('?q=m-', lister, 2);
    const expected = [...mine, ...shared]
      .map((r) => ({ title: r.title, id: r.id }))
      .sort((x, y) => (x.title === y.title ? x.id - y.id : x.title < y.title ? -1 : 1));
    // Other tests' shared rows may match "m-" too: ours must come in order, the hidden one never.
    const ours = items.filter((item) => expected.some((e) => e.id === item.id));
    expect(ours.map((r) => ({ title: r.title, id: r.id }))).toEqual(expected);
    expect(items.map((r) => r.id)).not.toContain(hidden.id);
    expect(new Set(items.map((r) => r.id)).size).toBe(items.length);
    expect(pages).toBeGreaterThanOrEqual(3);
    expect(items.every((r) => r.shared || r.author.id === lister.user.id)).toBe(true);
  });

  it('searches title and text ignoring case, with %, _ and \\ matching only themselves', async () => {
    const searcher = await ctx.newUser('operator');
    const a = await made({ title: 'Zq a Refund POLICY', text: 'plain' }, searcher);
    const b = await made({ title: 'Zq b other', text: 'Our refund policy says 100% back' }, searcher);
    const c = await made({ title: 'Zq c under_score', text: 'back\\slash' }, searcher);
    const ids = async (q: string) =>
      (await list(`?q=${encodeURIComponent(q)}`, searcher)).body.data
        .filter((r) => r.author.id === searcher.user.id)
        .map((r) => r.id);
    expect(await ids('refund policy')).toEqual([a.id, b.id]);
    expect(await ids('100%')).toEqual([b.id]);
    expect(await ids('%')).toEqual([b.id]);
    expect(await ids('_')).toEqual([c.id]);
    expect(await ids('\\')).toEqual([c.id]);
    expect(await ids('nothing like this')).toEqual([]);
  });

  it('refuses customers (403), bad queries and forged cursors (422)', async () => {
    expect((await list('', customer)).status).toBe(403);
    for (const query of [
      '?q=',
      `?q=${'x'.repeat(201)}`,
      '?limit=0',
      '?limit=201',
      '?cursor=!!',
      '?cursor=bm90LWpzb24',
      '?x=1',
    ]) {
      expect((await list(query, author)).status, query).toBe(422);
    }
    const forged = Buffer.from(JSON.stringify([1, 2])).toString('base64url');
    const res = await list(`?cursor=${forged}`, author);
    expect(res.status).toBe(422);
    expect(res.body).toEqual({ detail: [{ loc: ['query', 'cursor'], msg: 'Invalid cursor', type: 'value_error' }] });
  });
});

describe('POST /api/canned-responses/{id}/render', () => {
  it('fills every placeholder from the ticket and the caller, and leaves unknown ones as written', async () => {
    const owner = await ctx.newUser('customer');
    const ticket = await ctx.newTicket(owner, { subject: 'Printer $& on fire' });
    const response = await made({
      title: 'Everything',
      text: 'Hi {{customer.username}} ({{ customer.email }}), #{{ticket.id}} "{{ticket.subject}}" — {{ operator.username }}. {{customer.phone}} {{ ticket.id }}',
      shared: true,
    });
    const res = await render(response.id, { ticket_id: ticket.id }, colleague);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      data: {
        text: `Hi ${owner.user.username} (${owner.user.email}), #${ticket.id} "Printer $& on fire" — ${colleague.user.username}. {{customer.phone}} ${ticket.id}`,
      },
      message: 'Canned response rendered',
    });
  });

  it('answers 404 for an unknown ticket or an unreadable response, 403 for customers, 422 for bad bodies', async () => {
    const owner = await ctx.newUser('customer');
    const ticket = await ctx.newTicket(owner);
    const own = await made({ title: 'Private render', text: '{{ticket.id}}' });
    const noTicket = await render(own.id, { ticket_id: 2_147_483_647 });
    expect(noTicket.status).toBe(404);
    expect(noTicket.body).toEqual({ detail: 'Ticket not found' });
    const hidden = await render(own.id, { ticket_id: ticket.id }, colleague);
    expect(hidden.status).toBe(404);
    expect(hidden.body).toEqual({ detail: 'Canned response not found' });
    expect((await render(own.id, { ticket_id: ticket.id }, customer)).status).toBe(403);
    for (const payload of [{}, { ticket_id: 0 }, { ticket_id: 'x' }, { ticket_id: ticket.id, extra: 1 }]) {
      expect((await render(own.id, payload)).status, JSON.stringify(payload)).toBe(422);
    }
    expect((await render(own.id, { ticket_id: ticket.id }, admin)).body.data).toEqual({ text: String(ticket.id) });
  });
});
