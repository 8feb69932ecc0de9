import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrowserWorld, seriousViolations, VISIBLE } from '../helpers/browser.js';
import type { Ok, TestContext, TestUser } from '../helpers/context.js';
import { waitUntil } from '../helpers/wait.js';

/**
 * The operator's ticket page in a real browser (Debian's Chromium) against the real server on PostgreSQL:
 * the timeline, the side panel, canned responses in the composer, merging.
 */
let world: BrowserWorld;
let operator: TestUser;
let colleague: TestUser;
let admin: TestUser;
let customer: TestUser;

interface TicketView {
  id: number;
  status: string;
  priority: string;
  tags: string[];
  operator: { id: number } | null;
  group: { id: number; name: string } | null;
  merged_into_id: number | null;
}

beforeAll(async () => {
  world = await BrowserWorld.start();
  operator = await world.ctx.newUser('operator');
  colleague = await world.ctx.newUser('operator');
  admin = await world.ctx.newUser('admin');
  customer = await world.ctx.newUser('customer');
}, 180_000);

afterAll(async () => {
  await world?.close();
});

async function call<T>(user: TestUser, method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object) {
  return world.ctx.request<T>({ method, url, headers: user.auth, ...(payload ? { payload } : {}) });
}

async function ticket(id: number): Promise<TicketView> {
  return (await call<Ok<TicketView>>(operator, 'GET', `/api/tickets/${id}`)).body.data;
}

describe('operator ticket page', { timeout: 90_000 }, () => {
  it('shows the note, the answer and the priority change in one timeline, in order', async () => {
    const id = await world.createTicket(customer, world.ctx.unique('Timeline '));
    await call(operator, 'POST', `/api/tickets/${id}/messages`, { text: 'First, a note to myself.', internal: true });
    await call(operator, 'PATCH', `/api/tickets/${id}`, { priority: 'high' });
    await call(operator, 'POST', `/api/tickets/${id}/messages`, { text: 'Then the answer to the customer.' });

    const page = await world.open(operator, `/tickets/${id}`);
    const timeline = page.getByRole('region', { name: 'Timeline' });
    await timeline.getByText('Then the answer to the customer.').waitFor(VISIBLE);
    const rows = await timeline.getByRole('listitem').allInnerTexts();
    const at = (needle: string) => rows.findIndex((row) => row.includes(needle));
    const opened = at('opened the ticket');
    const note = at('First, a note to myself.');
    const change = at(`${operator.user.username} changed priority from normal to high`);
    const answer = at('Then the answer to the customer.');
    expect([opened, note, change, answer].every((index) => index >= 0)).toBe(true);
    expect(opened).toBeLessThan(note);
    expect(note).toBeLessThan(change);
    expect(change).toBeLessThan(answer);
    // The note looks different from the answer.
    const noteRow = timeline.locator('.message.note', { hasText: 'First, a note to myself.' });
    expect(await noteRow.getByText('Internal note').count()).toBe(1);
    expect(await timeline.locator('.message.note', { hasText: 'Then the answer' }).count()).toBe(0);
    expect(await seriousViolations(page)).toEqual([]);
  });

  it('renders only the newest rows of a long conversation, earlier ones on demand', async () => {
    const id = await world.createTicket(customer, world.ctx.unique('Long '));
    const row = { id } as Parameters<TestContext['newMessage']>[0];
    for (let index = 0; index < 130; index += 1) await world.ctx.newMessage(row, operator, `Message number ${index}.`);
    const page = await world.open(operator, `/tickets/${id}`);
    const timeline = page.getByRole('region', { name: 'Timeline' });
    await timeline.getByText('Message number 129.').waitFor(VISIBLE);
    expect(await timeline.getByText('Message number 5.', { exact: true }).count()).toBe(0);
    await page.getByRole('button', { name: /Show earlier activity/ }).click();
    await timeline.getByText('Message number 5.', { exact: true }).waitFor(VISIBLE);
  });

  it('assigns to an operator, sets the group and the tags from the panel', async () => {
    const groupName = world.ctx.unique('Billing ');
    const group = await call<Ok<{ id: number }>>(admin, 'POST', '/api/groups', { name: groupName });
    expect(group.status).toBe(201);
    const id = await world.createTicket(customer, world.ctx.unique('Panel '));
    await call(operator, 'PATCH', `/api/tickets/${id}`, { tags: ['old-tag'] });
    const page = await world.open(operator, `/tickets/${id}`);
    await page.getByRole('button', { name: /Assignee/ }).waitFor(VISIBLE);

    await page.getByRole('button', { name: /Assignee/ }).click();
    await page.getByRole('option', { name: colleague.user.username }).click();
    await waitUntil(async () => (await ticket(id)).operator?.id === colleague.user.id);

    await page.getByRole('button', { name: /Group/ }).click();
    await page.getByRole('option', { name: groupName }).click();
    await waitUntil(async () => (await ticket(id)).group?.id === group.body.data.id);

    await page.getByRole('textbox', { name: 'New tag' }).fill('VIP');
    await page.getByRole('button', { name: 'Add tag' }).click();
    await waitUntil(async () => (await ticket(id)).tags.includes('vip'));
    await page.getByRole('button', { name: 'Remove tag old-tag' }).click();
    await waitUntil(async () => (await ticket(id)).tags.join(',') === 'vip');

    const timeline = page.getByRole('region', { name: 'Timeline' });
    await timeline.getByText(`assigned the ticket to ${colleague.user.username}`).waitFor(VISIBLE);
    await timeline.getByText(/added tag vip/).waitFor(VISIBLE);
    expect(await seriousViolations(page)).toEqual([]);
  });

  it('a 412 lists what someone else changed and applies the edit again on the new version', async () => {
    const id = await world.createTicket(customer, world.ctx.unique('Race '));
    const context = await world.newContext({}, operator.token);
    const page = await context.newPage();
    await page.route('**/api/events/stream**', (route) => route.abort());
    await page.goto(`/tickets/${id}`);
    await page.getByRole('button', { name: /Priority/ }).waitFor(VISIBLE);
    await call(operator, 'PATCH', `/api/tickets/${id}`, { status: 'in_progress' });

    await page.getByRole('button', { name: /Priority/ }).click();
    await page.getByRole('option', { name: 'Urgent' }).click();
    const alert = page.getByRole('alert').filter({ hasText: 'changed this ticket' });
    await alert.getByText('Status: Open → In progress').waitFor(VISIBLE);
    expect(await seriousViolations(page)).toEqual([]);
    await alert.getByRole('button', { name: 'Apply my change again' }).click();
    await waitUntil(async () => (await ticket(id)).priority === 'urgent');
    expect((await ticket(id)).status).toBe('in_progress');
  });

  it('typing / at the start of the reply picks a canned response and inserts its rendered text', async () => {
    const title = world.ctx.unique('Greeting ');
    const created = await call(operator, 'POST', '/api/canned-responses', {
      title,
      text: 'Hello {{customer.username}}, about ticket {{ticket.id}}:',
      shared: true,
    });
    expect(created.status).toBe(201);
    const id = await world.createTicket(customer, world.ctx.unique('Canned '));
    const page = await world.open(operator, `/tickets/${id}`);
    const reply = page.getByRole('textbox', { name: 'Reply' });
    await reply.waitFor(VISIBLE);
    await reply.press('/');
    const search = page.getByRole('searchbox', { name: 'Search canned responses' });
    await search.waitFor(VISIBLE);
    expect(await seriousViolations(page)).toEqual([]);
    await search.pressSequentially(title.slice(0, 12));
    await page.getByRole('menuitem', { name: title }).waitFor(VISIBLE);
    await search.press('Enter');
    await waitUntil(async () => {
      expect(await reply.inputValue()).toBe(`Hello ${customer.user.username}, about ticket ${id}:`);
      return true;
    });

    // The picker button does the same.
    await reply.fill('');
    await page.getByRole('button', { name: 'Canned responses' }).click();
    await page.getByRole('menuitem', { name: title }).click();
    await waitUntil(async () => (await reply.inputValue()).startsWith('Hello '));
  });

  it('merges a ticket into another; a refusal shows the API detail and offers force', async () => {
    const source = await world.createTicket(customer, world.ctx.unique('Duplicate '));
    const target = await world.createTicket(customer, world.ctx.unique('Original '));
    const page = await world.open(operator, `/tickets/${source}`);
    await page.getByRole('button', { name: 'Merge' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor(VISIBLE);
    expect(await seriousViolations(page)).toEqual([]);
    await dialog.getByRole('textbox', { name: 'Target ticket' }).fill(String(target));
    await dialog.getByRole('button', { name: 'Merge' }).click();
    await waitUntil(async () => (await ticket(source)).merged_into_id === target);
    await page.waitForURL(`**/tickets/${target}`);
    await page
      .getByRole('region', { name: 'Timeline' })
      .getByText(`merged ticket #${source} into this one`)
      .waitFor(VISIBLE);

    // Tickets of two customers: refused with the API's reason, then merged with force.
    const other = await world.ctx.newUser('customer');
    const foreign = await world.createTicket(other, world.ctx.unique('Other customer '));
    const second = await world.open(operator, `/tickets/${foreign}`);
    await second.getByRole('button', { name: 'Merge' }).click();
    const again = second.getByRole('dialog');
    await again.getByRole('textbox', { name: 'Target ticket' }).fill(String(target));
    await again.getByRole('button', { name: 'Merge' }).click();
    await again
      .getByRole('alert')
      .getByText(/different creators/)
      .waitFor(VISIBLE);
    expect(await seriousViolations(second)).toEqual([]);
    await again.getByRole('checkbox', { name: /Merge anyway/ }).check({ force: true });
    await again.getByRole('button', { name: 'Merge' }).click();
    await waitUntil(async () => (await ticket(foreign)).merged_into_id === target);
  });
});
