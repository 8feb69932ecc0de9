import type { Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrowserWorld, seriousViolations, VISIBLE } from '../helpers/browser.js';
import { type Ok, TEST_PASSWORD, type TestUser } from '../helpers/context.js';
import { waitUntil } from '../helpers/wait.js';

/**
 * The web console in a real browser (Debian's Chromium) against the real server on PostgreSQL: the app
 * listening on a port, serving web/dist and the API, live events included.
 */
let world: BrowserWorld;
let operator: TestUser;
let customer: TestUser;

beforeAll(async () => {
  world = await BrowserWorld.start();
  operator = await world.ctx.newUser('operator');
  customer = await world.ctx.newUser('customer');
}, 180_000);

afterAll(async () => {
  await world?.close();
});

async function messagesOf(ticketId: number): Promise<{ text: string; internal: boolean }[]> {
  const response = await world.ctx.request<{ data: { text: string; internal: boolean }[] }>({
    method: 'GET',
    url: `/api/tickets/${ticketId}/messages?limit=100`,
    headers: operator.auth,
  });
  return response.body.data;
}

describe('web console', { timeout: 60_000 }, () => {
  it('signs in with email or username and password, keeps the session over a reload, signs out', async () => {
    const subject = world.ctx.unique('Printer on fire ');
    await world.createTicket(customer, subject);
    const context = await world.newContext();
    const page = await context.newPage();
    await page.goto('/');
    expect(await seriousViolations(page)).toEqual([]);

    await page.getByLabel('Email or username').fill(operator.user.email);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').waitFor(VISIBLE);

    await page.getByLabel('Password').fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Inbox' }).waitFor(VISIBLE);
    await page.getByRole('link', { name: subject }).waitFor(VISIBLE);
    expect(await seriousViolations(page)).toEqual([]);

    await page.reload();
    await page.getByRole('link', { name: subject }).waitFor(VISIBLE);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor(VISIBLE);
    expect(await page.evaluate('localStorage.length')).toBe(0);
    await page.reload();
    await page.getByRole('button', { name: 'Sign in' }).waitFor(VISIBLE);
  });

  it('filters the inbox by status and searches it', async () => {
    const closedSubject = world.ctx.unique('Closed matter ');
    const openSubject = world.ctx.unique('Keyboard quirk ');
    const closedId = await world.createTicket(customer, closedSubject);
    await world.createTicket(customer, openSubject);
    await world.ctx.request({
      method: 'PATCH',
      url: `/api/tickets/${closedId}`,
      headers: operator.auth,
      payload: { status: 'closed' },
    });
    const page = await world.open(operator, '/');
    await page.getByRole('link', { name: openSubject }).waitFor(VISIBLE);

    await page.getByRole('button', { name: /Status filter/ }).click();
    await page.getByRole('option', { name: 'Closed' }).click();
    await page.getByRole('link', { name: closedSubject }).waitFor(VISIBLE);
    expect(await page.getByRole('link', { name: openSubject }).count()).toBe(0);

    await page.getByRole('button', { name: /Status filter/ }).click();
    await page.getByRole('option', { name: 'All' }).click();
    await page.getByRole('searchbox', { name: 'Search' }).fill('Keyboard quirk');
    await page.getByRole('link', { name: openSubject }).waitFor(VISIBLE);
    await waitUntil(async () => (await page.getByRole('link', { name: closedSubject }).count()) === 0);
  });

  it('loads more tickets as the list scrolls (keyset cursor)', async () => {
    const first = world.ctx.unique('Batch ');
    for (let index = 0; index < 55; index += 1) await world.ctx.newTicket(customer, { subject: `${first} ${index}` });
    const page = await world.open(operator, '/');
    await page.getByRole('link', { name: `${first} 54` }).waitFor(VISIBLE);
    // The oldest of the batch is past the first page of 50 until the end of the list scrolls into view.
    await page.getByRole('button', { name: 'Load more' }).scrollIntoViewIfNeeded();
    await page.getByRole('link', { name: `${first} 0`, exact: true }).waitFor(VISIBLE);
  });

  it('shows a ticket created through the API, and then its change, in an open inbox without a reload', async () => {
    const page = await world.open(operator, '/');
    await page.getByRole('heading', { name: 'Inbox' }).waitFor(VISIBLE);
    await page.getByRole('link').first().waitFor(VISIBLE);
    // Once the live stream is open (the console marks it on <html>), a new ticket must show up by itself.
    await page.locator('html[data-live="open"]').waitFor({ state: 'attached', timeout: 10_000 });
    const subject = world.ctx.unique('Arrived live ');
    const id = await world.createTicket(customer, subject);
    const row = page.getByRole('listitem').filter({ has: page.getByRole('link', { name: subject }) });
    await row.waitFor(VISIBLE);
    expect(await row.locator('.badge.open').count()).toBe(1);

    // A change made elsewhere shows in the row where it is.
    await world.ctx.request({
      method: 'PATCH',
      url: `/api/tickets/${id}`,
      headers: operator.auth,
      payload: { status: 'in_progress' },
    });
    await row.getByText('In progress').waitFor(VISIBLE);
  });

  it('the operator answers and writes a note; the customer sees the answer and never the note', async () => {
    const subject = world.ctx.unique('Cannot log in ');
    const id = await world.createTicket(customer, subject);
    const page = await world.open(operator, `/tickets/${id}`);
    await page.getByRole('heading', { name: subject }).waitFor(VISIBLE);

    await page.getByRole('textbox', { name: 'Reply' }).fill('Please try resetting your password.');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.getByText('Please try resetting your password.').waitFor(VISIBLE);
    await waitUntil(async () => (await page.getByRole('textbox', { name: 'Reply' }).inputValue()) === '');

    await page.getByRole('switch', { name: 'Internal note' }).check({ force: true });
    await page.getByRole('textbox', { name: 'Reply' }).fill('Customer looks confused, check the SSO logs.');
    await page.getByRole('textbox', { name: 'Reply' }).press('Control+Enter');
    const note = page.locator('.message.note', { hasText: 'Customer looks confused' });
    await note.waitFor(VISIBLE);
    expect(await note.getByText('Internal note').count()).toBe(1);
    expect(await seriousViolations(page)).toEqual([]);

    await page.getByRole('button', { name: /Status/ }).click();
    await page.getByRole('option', { name: 'In progress' }).click();
    await waitUntil(async () => {
      const ticket = await world.ctx.request<Ok<{ status: string }>>({
        method: 'GET',
        url: `/api/tickets/${id}`,
        headers: operator.auth,
      });
      return ticket.body.data.status === 'in_progress';
    });

    expect(await messagesOf(id)).toEqual([
      expect.objectContaining({ text: 'Please try resetting your password.', internal: false }),
      expect.objectContaining({ text: 'Customer looks confused, check the SSO logs.', internal: true }),
    ]);

    const portal = await world.open(customer, `/tickets/${id}`);
    await portal.getByText('Please try resetting your password.').waitFor(VISIBLE);
    expect(await portal.getByText('Customer looks confused').count()).toBe(0);
    expect(await portal.getByRole('switch').count()).toBe(0);
  });

  it('the customer portal creates a ticket, sees the answer arrive live, and replies', async () => {
    const page = await world.open(customer, '/');
    await page.getByRole('heading', { name: 'My tickets' }).waitFor(VISIBLE);
    expect(await seriousViolations(page)).toEqual([]);

    await page.getByRole('button', { name: 'New ticket' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor(VISIBLE);
    expect(await seriousViolations(page)).toEqual([]);
    const subject = world.ctx.unique('Invoice missing ');
    await dialog.getByRole('textbox', { name: 'Subject' }).fill(subject);
    await dialog.getByRole('textbox', { name: 'Description' }).fill('The invoice for May never came.');
    await dialog.getByRole('button', { name: 'Create' }).click();
    await page.getByRole('heading', { name: subject }).waitFor(VISIBLE);
    const id = Number(/\/tickets\/(\d+)$/.exec(page.url())?.[1]);
    expect(id).toBeGreaterThan(0);
    expect(await seriousViolations(page)).toEqual([]);

    await world.ctx.request({
      method: 'POST',
      url: `/api/tickets/${id}/messages`,
      headers: operator.auth,
      payload: { text: 'We have sent it again.' },
    });
    await world.ctx.request({
      method: 'POST',
      url: `/api/tickets/${id}/messages`,
      headers: operator.auth,
      payload: { text: 'Billing team forgot this one.', internal: true },
    });
    await page.getByText('We have sent it again.').waitFor(VISIBLE);
    expect(await page.getByText('Billing team forgot').count()).toBe(0);

    await page.getByRole('textbox', { name: 'Reply' }).fill('Got it, thanks!');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.getByText('Got it, thanks!').waitFor(VISIBLE);

    await page.getByRole('link', { name: /My tickets/ }).click();
    await page.getByRole('link', { name: subject }).waitFor(VISIBLE);
  });

  it('a send whose answer is lost is retried with the same Idempotency-Key and posted once', async () => {
    const id = await world.createTicket(customer, world.ctx.unique('Flaky network '));
    const page = await world.open(operator, `/tickets/${id}`);
    await page.getByRole('textbox', { name: 'Reply' }).waitFor(VISIBLE);
    const keys: string[] = [];
    let cut = false;
    await page.route(`**/api/tickets/${id}/messages`, async (route, request: Request) => {
      if (request.method() !== 'POST') return route.continue();
      keys.push((await request.headerValue('idempotency-key')) ?? '');
      if (!cut) {
        // The server gets the message and answers; the connection dies before the browser sees it.
        cut = true;
        await route.fetch();
        return route.abort('connectionreset');
      }
      return route.continue();
    });
    await page.getByRole('textbox', { name: 'Reply' }).fill('Sent exactly once.');
    await page.getByRole('button', { name: 'Send' }).click();
    // The retry after the lost answer (the live stream may show the message before it: it was posted).
    await waitUntil(async () => keys.length === 2);
    await waitUntil(async () => (await page.getByRole('textbox', { name: 'Reply' }).inputValue()) === '');
    expect(await page.getByRole('alert').count()).toBe(0);
    expect(keys[0]).toMatch(/^[0-9a-f]{32}$/);
    expect(keys[1]).toBe(keys[0]);
    expect((await messagesOf(id)).filter((message) => message.text === 'Sent exactly once.')).toHaveLength(1);
    expect(await page.locator('.message', { hasText: 'Sent exactly once.' }).count()).toBe(1);
  });

  it('a change on a ticket someone else changed meanwhile answers 412: the console says so and reloads it', async () => {
    const id = await world.createTicket(customer, world.ctx.unique('Race '));
    const context = await world.newContext({}, operator.token);
    const page = await context.newPage();
    // No live stream on this page: it keeps the version it loaded, as a slow or offline tab would.
    await page.route('**/api/events/stream**', (route) => route.abort());
    await page.goto(`/tickets/${id}`);
    await page.getByRole('button', { name: /Priority/ }).waitFor(VISIBLE);
    await world.ctx.request({
      method: 'PATCH',
      url: `/api/tickets/${id}`,
      headers: operator.auth,
      payload: { status: 'in_progress' },
    });
    await page.getByRole('button', { name: /Priority/ }).click();
    await page.getByRole('option', { name: 'Urgent' }).click();
    await page.getByRole('alert').filter({ hasText: 'changed this ticket' }).waitFor(VISIBLE);
    await page.getByRole('button', { name: /In progress.*Status|Status.*In progress/ }).waitFor(VISIBLE);

    await page.getByRole('button', { name: /Priority/ }).click();
    await page.getByRole('option', { name: 'Urgent' }).click();
    await waitUntil(async () => {
      const ticket = await world.ctx.request<Ok<{ priority: string }>>({
        method: 'GET',
        url: `/api/tickets/${id}`,
        headers: operator.auth,
      });
      return ticket.body.data.priority === 'urgent';
    });
  });
});
