import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mailboxStateRepository } from '../../src/email/log/mailbox-state-repository.js';
import { BrowserWorld, seriousViolations, VISIBLE } from '../helpers/browser.js';
import { type Ok, TEST_PASSWORD, type TestUser } from '../helpers/context.js';
import { waitUntil } from '../helpers/wait.js';
import { WebhookReceiver } from '../helpers/webhook-receiver.js';

/**
 * The console's admin screens in a real browser (Debian's Chromium) against the real server on PostgreSQL,
 * with the app's background jobs running in process so webhook deliveries really go out.
 */
let world: BrowserWorld;
let admin: TestUser;
let operator: TestUser;
let receiver: WebhookReceiver;

beforeAll(async () => {
  world = await BrowserWorld.start({
    env: { WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true', WEBHOOK_TIMEOUT_SECONDS: '2' },
    background: true,
  });
  receiver = await WebhookReceiver.start();
  admin = await world.ctx.newUser('admin');
  operator = await world.ctx.newUser('operator');
}, 180_000);

afterAll(async () => {
  await receiver?.close();
  await world?.close();
});

/** An admin on one admin section, reached through the Admin link and the section's link. */
async function adminAt(section: string): Promise<Page> {
  const page = await world.open(admin, '/');
  await page.getByRole('link', { name: 'Admin', exact: true }).click();
  await page.getByRole('heading', { name: 'Users' }).waitFor(VISIBLE);
  await page.getByRole('navigation', { name: 'Admin sections' }).getByRole('link', { name: section }).click();
  await page.getByRole('heading', { name: section, level: 1 }).waitFor(VISIBLE);
  expect(await seriousViolations(page)).toEqual([]);
  return page;
}

async function apiGet<T>(url: string): Promise<T> {
  const response = await world.ctx.request<Ok<T>>({ method: 'GET', url, headers: admin.auth });
  expect(response.status).toBe(200);
  return response.body.data;
}

describe('web console: admin screens', { timeout: 90_000 }, () => {
  it('creates an operator who can then sign in; changes a role; deactivates and reactivates', async () => {
    const page = await adminAt('Users');
    const username = world.ctx.unique('newop');
    const email = `${username.toLowerCase()}@example.com`;

    await page.getByRole('button', { name: 'New user' }).click();
    const dialog = page.getByRole('dialog', { name: 'New user' });
    await dialog.waitFor(VISIBLE);
    expect(await seriousViolations(page)).toEqual([]);
    await dialog.getByLabel('Email').fill(email);
    await dialog.getByLabel('Username').fill(username);
    await dialog.getByLabel('Password').fill('short');
    await dialog.getByRole('button', { name: 'Create' }).click();
    // The browser's own check (at least 10 characters) or the API's 422 keeps the dialog open.
    await page.waitForTimeout(300);
    expect(await dialog.isVisible()).toBe(true);
    await dialog.getByLabel('Password').fill(TEST_PASSWORD);
    await dialog.getByRole('button', { name: 'Create' }).click();
    await dialog.waitFor({ state: 'hidden', timeout: 10_000 });

    const row = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: username }) });
    await row.waitFor(VISIBLE);

    // The API's answer to a second account on the same address shows in the dialog, which stays open.
    await page.getByRole('button', { name: 'New user' }).click();
    await dialog.getByLabel('Email').fill(email);
    await dialog.getByLabel('Username').fill(`${username}2`);
    await dialog.getByLabel('Password').fill(TEST_PASSWORD);
    await dialog.getByRole('button', { name: 'Create' }).click();
    await dialog.getByRole('alert').waitFor(VISIBLE);
    expect(await seriousViolations(page)).toEqual([]);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden', timeout: 10_000 });
    const users = await apiGet<{ id: number; username: string; role: string; is_active: boolean }[]>(
      '/api/users?role=operator&limit=200',
    );
    const created = users.find((user) => user.username === username);
    expect(created?.role).toBe('operator');
    const id = created?.id ?? 0;

    // Change the role to admin and back.
    await row.getByRole('button', { name: new RegExp(`Role of ${username}`) }).click();
    await page.getByRole('option', { name: 'Admin' }).click();
    await waitUntil(async () => (await apiGet<{ role: string }>(`/api/users/${id}`)).role === 'admin');
    await row.getByRole('button', { name: new RegExp(`Role of ${username}`) }).click();
    await page.getByRole('option', { name: 'Operator' }).click();
    await waitUntil(async () => (await apiGet<{ role: string }>(`/api/users/${id}`)).role === 'operator');

    await row.getByRole('button', { name: `Deactivate ${username}` }).click();
    await row.getByRole('button', { name: `Reactivate ${username}` }).waitFor(VISIBLE);
    expect((await apiGet<{ is_active: boolean }>(`/api/users/${id}`)).is_active).toBe(false);
    await row.getByRole('button', { name: `Reactivate ${username}` }).click();
    await row.getByRole('button', { name: `Deactivate ${username}` }).waitFor(VISIBLE);
    expect((await apiGet<{ is_active: boolean }>(`/api/users/${id}`)).is_active).toBe(true);

    // The new operator signs in with what the admin typed.
    const context = await world.newContext();
    const other = await context.newPage();
    await other.goto('/');
    await other.getByLabel('Email or username').fill(email);
    await other.getByLabel('Password').fill(TEST_PASSWORD);
    await other.getByRole('button', { name: 'Sign in' }).click();
    await other.getByRole('heading', { name: 'Inbox' }).waitFor(VISIBLE);
    expect(await other.getByRole('link', { name: 'Admin', exact: true }).count()).toBe(0);
  });

  it('creates a group, renames it and puts an operator in it', async () => {
    const page = await adminAt('Groups');
    const name = world.ctx.unique('Billing ');
    await page.getByRole('button', { name: 'New group' }).click();
    const dialog = page.getByRole('dialog', { name: 'New group' });
    await dialog.getByLabel('Name').fill(name);
    await dialog.getByLabel('Description').fill('Money questions');
    expect(await seriousViolations(page)).toEqual([]);
    await dialog.getByRole('button', { name: 'Create' }).click();
    await page.getByRole('rowheader', { name }).waitFor(VISIBLE);

    const renamed = `${name} EU`;
    await page.getByRole('button', { name: `Rename ${name}` }).click();
    const rename = page.getByRole('dialog', { name: `Rename ${name}` });
    await rename.getByLabel('Name').fill(renamed);
    await rename.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('rowheader', { name: renamed }).waitFor(VISIBLE);

    await page.getByRole('button', { name: `Members of ${renamed}` }).click();
    const members = page.getByRole('dialog', { name: `Members of ${renamed}` });
    await members.getByRole('checkbox', { name: `${operator.user.username} (operator)` }).check({ force: true });
    expect(await seriousViolations(page)).toEqual([]);
    await members.getByRole('button', { name: 'Save members' }).click();
    await members.waitFor({ state: 'hidden', timeout: 10_000 });
    const row = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: renamed }) });
    await row.getByText(operator.user.username).waitFor(VISIBLE);
    const groups = await apiGet<{ name: string; member_ids: number[] }[]>('/api/groups');
    expect(groups.find((group) => group.name === renamed)?.member_ids).toEqual([operator.user.id]);
  });

  it('creates a shared canned response, finds it by search, edits and deletes it', async () => {
    const page = await adminAt('Canned responses');
    const title = world.ctx.unique('Refund policy ');
    await page.getByRole('button', { name: 'New canned response' }).click();
    const dialog = page.getByRole('dialog', { name: 'New canned response' });
    await dialog.getByLabel('Title').fill(title);
    await dialog.getByLabel('Text').fill('Hello {{customer.username}}, refunds take 5 days.');
    await dialog.getByRole('switch', { name: 'Shared' }).check({ force: true });
    expect(await seriousViolations(page)).toEqual([]);
    await dialog.getByRole('button', { name: 'Create' }).click();
    const row = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: title }) });
    await row.getByText('Shared', { exact: true }).waitFor(VISIBLE);

    await page.getByRole('searchbox', { name: 'Search canned responses' }).fill('no such words anywhere');
    await waitUntil(async () => (await page.getByRole('rowheader', { name: title }).count()) === 0);
    await page.getByRole('searchbox', { name: 'Search canned responses' }).fill(title);
    await row.waitFor(VISIBLE);

    await row.getByRole('button', { name: `Edit ${title}` }).click();
    const edit = page.getByRole('dialog', { name: `Edit ${title}` });
    await edit.getByRole('switch', { name: 'Shared' }).uncheck({ force: true });
    await edit.getByRole('button', { name: 'Save' }).click();
    await row.getByText('Private', { exact: true }).waitFor(VISIBLE);

    await row.getByRole('button', { name: `Delete ${title}` }).click();
    await waitUntil(async () => (await page.getByRole('rowheader', { name: title }).count()) === 0);
  });

  it('creates an SLA policy with business hours and shows the 409 of a second one for the same priority', async () => {
    const page = await adminAt('SLA policies');
    await page.getByRole('button', { name: 'New SLA policy' }).click();
    let dialog = page.getByRole('dialog', { name: 'New SLA policy' });
    await dialog.getByLabel('Name').fill('Urgent matters');
    await dialog.getByRole('button', { name: /Priority/ }).click();
    await page.getByRole('option', { name: 'Urgent' }).click();
    await dialog.getByLabel('First response minutes').fill('30');
    await dialog.getByLabel('Resolution minutes').fill('240');
    await dialog.getByRole('switch', { name: 'Business hours only' }).check({ force: true });
    await dialog.getByLabel('Time zone').fill('Europe/Moscow');
    expect(await seriousViolations(page)).toEqual([]);
    await dialog.getByRole('button', { name: 'Create' }).click();
    await dialog.waitFor({ state: 'hidden', timeout: 10_000 });
    const row = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'Urgent matters' }) });
    await row.getByText(/Europe\/Moscow/).waitFor(VISIBLE);
    const policies =
      await apiGet<{ name: string; priority: string | null; business_hours: unknown }[]>('/api/sla-policies');
    expect(policies.find((policy) => policy.name === 'Urgent matters')).toMatchObject({
      priority: 'urgent',
      business_hours: { timezone: 'Europe/Moscow', days: [1, 2, 3, 4, 5], start: '09:00', end: '17:00' },
    });

    await page.getByRole('button', { name: 'New SLA policy' }).click();
    dialog = page.getByRole('dialog', { name: 'New SLA policy' });
    await dialog.getByLabel('Name').fill('Urgent again');
    await dialog.getByRole('button', { name: /Priority/ }).click();
    await page.getByRole('option', { name: 'Urgent' }).click();
    await dialog.getByRole('button', { name: 'Create' }).click();
    await dialog
      .getByRole('alert')
      .filter({ hasText: "An SLA policy for priority 'urgent' already exists" })
      .waitFor(VISIBLE);
    expect(await seriousViolations(page)).toEqual([]);
    await dialog.getByRole('button', { name: 'Cancel' }).click();

    // A time zone the server does not know: its 422 detail shows in the edit form.
    await row.getByRole('button', { name: 'Edit Urgent matters' }).click();
    const edit = page.getByRole('dialog', { name: 'Edit Urgent matters' });
    await edit.getByLabel('Time zone').fill('Mars/Olympus_Mons');
    await edit.getByRole('button', { name: 'Save' }).click();
    await edit
      .getByRole('alert')
      .filter({ hasText: /time zone/i })
      .waitFor(VISIBLE);
    await edit.getByRole('button', { name: 'Cancel' }).click();

    await row.getByRole('button', { name: 'Delete Urgent matters' }).click();
    await waitUntil(async () => (await page.getByRole('rowheader', { name: 'Urgent matters' }).count()) === 0);
  });

  it('creates a webhook, shows its secret once, disables it, lists its deliveries and redelivers one', async () => {
    const page = await adminAt('Webhooks');
    const url = receiver.url('/admin-console');
    await page.getByRole('button', { name: 'New webhook' }).click();
    const dialog = page.getByRole('dialog', { name: 'New webhook' });
    await dialog.getByLabel('URL').fill(url);
    await dialog.getByLabel('Description').fill('CRM sync');
    expect(await seriousViolations(page)).toEqual([]);
    await dialog.getByRole('button', { name: 'Create' }).click();

    const secretDialog = page.getByRole('dialog', { name: 'Signing secret' });
    await secretDialog.waitFor(VISIBLE);
    const secret = await secretDialog.getByLabel('Signing secret').inputValue();
    expect(secret).toMatch(/^whsec_/);
    await secretDialog.getByText('it will not be shown again').waitFor(VISIBLE);
    expect(await seriousViolations(page)).toEqual([]);
    await secretDialog.getByRole('button', { name: 'Done' }).click();
    await secretDialog.waitFor({ state: 'hidden', timeout: 10_000 });
    expect(await page.content()).not.toContain(secret);
    await page.reload();
    await page.getByRole('rowheader', { name: new RegExp(url) }).waitFor(VISIBLE);
    expect(await page.content()).not.toContain(secret);

    // An event goes out for real; its delivery is listed with the receiver's answer, then redelivered.
    const customer = await world.ctx.newUser('customer');
    const created = await world.ctx.request({
      method: 'POST',
      url: '/api/tickets',
      headers: customer.auth,
      payload: { subject: 'Webhook fodder', description: 'An event for the webhook' },
    });
    expect(created.status).toBe(201);
    await waitUntil(async () => receiver.at('/admin-console').length > 0, 20_000);
    await page.getByRole('button', { name: `Deliveries of ${url}` }).click();
    const deliveries = page.getByRole('region', { name: `Deliveries of ${url}` });
    await deliveries.getByText('HTTP 200', { exact: false }).first().waitFor(VISIBLE);
    expect(await seriousViolations(page)).toEqual([]);
    const before = receiver.at('/admin-console').length;
    await deliveries.getByRole('button', { name: 'Redeliver' }).first().click();
    await waitUntil(async () => receiver.at('/admin-console').length > before, 20_000);

    // Disable, then rotate: the new secret is shown once too.
    await page.getByRole('switch', { name: `Enabled: ${url}` }).click({ force: true });
    await waitUntil(async () => {
      const hooks = await apiGet<{ url: string; enabled: boolean }[]>('/api/webhooks');
      return hooks.find((hook) => hook.url === url)?.enabled === false;
    });
    await page.getByRole('button', { name: `Rotate secret of ${url}` }).click();
    await secretDialog.waitFor(VISIBLE);
    const rotated = await secretDialog.getByLabel('Signing secret').inputValue();
    expect(rotated).toMatch(/^whsec_/);
    expect(rotated).not.toBe(secret);
    await secretDialog.getByRole('button', { name: 'Done' }).click();

    await page.getByRole('button', { name: `Delete ${url}` }).click();
    await waitUntil(async () => (await page.getByRole('rowheader', { name: new RegExp(url) }).count()) === 0);
  });

  it('shows the mailbox health and the mail log', async () => {
    // One mailbox whose watcher is alive, one whose last attempt failed and that nobody watches.
    await mailboxStateRepository.heartbeat(world.ctx.db, 'INBOX');
    await mailboxStateRepository.recordError(world.ctx.db, 'Archive', 'Login failed: bad credentials');
    const page = await adminAt('Mail');
    await page.getByRole('heading', { name: 'Mailboxes' }).waitFor(VISIBLE);
    const inbox = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'INBOX', exact: true }) });
    await inbox.getByText('Connected', { exact: true }).waitFor(VISIBLE);
    const archive = page
      .getByRole('row')
      .filter({ has: page.getByRole('rowheader', { name: 'Archive', exact: true }) });
    await archive.getByText('Not connected', { exact: true }).waitFor(VISIBLE);
    await archive.getByText('Login failed: bad credentials').waitFor(VISIBLE);
    await page.getByRole('heading', { name: 'Mail log' }).waitFor(VISIBLE);
    await page.getByRole('heading', { name: 'Outbox' }).waitFor(VISIBLE);
    expect(await seriousViolations(page)).toEqual([]);
  });

  it('shows no Admin link to an operator, and the admin URL says it is not allowed', async () => {
    const page = await world.open(operator, '/');
    await page.getByRole('heading', { name: 'Inbox' }).waitFor(VISIBLE);
    expect(await page.getByRole('link', { name: 'Admin', exact: true }).count()).toBe(0);
    await page.goto('/admin/users');
    await page.getByText('not allowed').waitFor(VISIBLE);
    expect(await page.getByRole('button', { name: 'New user' }).count()).toBe(0);
    expect(await seriousViolations(page)).toEqual([]);
  });
});
