import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrowserWorld, seriousViolations, VISIBLE } from '../helpers/browser.js';
import { TEST_PASSWORD, type TestUser } from '../helpers/context.js';
import { waitUntil } from '../helpers/wait.js';

/**
 * The console's languages (Russian follows the browser, English by the Language switch, kept over a reload),
 * its dark theme (axe, colour contrast included) and a 360 px wide screen, in Debian's Chromium against the
 * real server on PostgreSQL.
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

async function messageTexts(ticketId: number): Promise<string[]> {
  const response = await world.ctx.request<{ data: { text: string }[] }>({
    method: 'GET',
    url: `/api/tickets/${ticketId}/messages?limit=100`,
    headers: operator.auth,
  });
  return response.body.data.map((message) => message.text);
}

async function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate<number>('document.scrollingElement.scrollWidth - window.innerWidth');
}

describe('languages, themes and small screens', { timeout: 90_000 }, () => {
  it('follows a Russian browser, then switches to English and keeps it over a reload', async () => {
    const subject = world.ctx.unique('Принтер ');
    const id = await world.createTicket(customer, subject);
    const context = await world.newContext({ locale: 'ru-RU' });
    const page = await context.newPage();
    await page.goto('/');
    await page.getByRole('button', { name: 'Войти' }).waitFor(VISIBLE);
    expect(await page.evaluate('document.documentElement.lang')).toBe('ru');
    expect(await seriousViolations(page)).toEqual([]);

    await page.getByLabel('Email или имя пользователя').fill(operator.user.email);
    await page.getByLabel('Пароль').fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Войти' }).click();
    await page.getByRole('searchbox', { name: 'Поиск' }).waitFor(VISIBLE);
    await page.getByRole('heading', { name: 'Входящие' }).waitFor(VISIBLE);

    await page.getByRole('link', { name: subject }).click();
    await page.getByRole('heading', { name: subject }).waitFor(VISIBLE);
    await page.getByRole('textbox', { name: 'Ответ' }).fill('Ответ оператора по-русски');
    await page.getByRole('button', { name: 'Отправить' }).click();
    await waitUntil(async () => (await messageTexts(id)).includes('Ответ оператора по-русски'));
    expect(await page.getByRole('switch', { name: 'Внутренняя заметка' }).count()).toBe(1);

    await page.getByRole('combobox', { name: 'Язык' }).selectOption('en');
    await page.getByRole('textbox', { name: 'Reply' }).waitFor(VISIBLE);
    expect(await page.evaluate('document.documentElement.lang')).toBe('en');
    await page.reload();
    await page.getByRole('textbox', { name: 'Reply' }).waitFor(VISIBLE);
    await page.getByRole('button', { name: 'Send' }).waitFor(VISIBLE);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor(VISIBLE);
    await page.getByRole('combobox', { name: 'Language' }).selectOption('ru');
    await page.getByRole('button', { name: 'Войти' }).waitFor(VISIBLE);
  });

  it('shows the portal in Russian to a Russian customer', async () => {
    const context = await world.newContext({ locale: 'ru-RU' }, customer.token);
    const page = await context.newPage();
    await page.goto('/');
    await page.getByRole('button', { name: 'Новое обращение' }).click();
    await page.getByRole('textbox', { name: 'Тема' }).waitFor(VISIBLE);
    await page.getByRole('textbox', { name: 'Описание' }).waitFor(VISIBLE);
    await page.getByRole('button', { name: 'Создать' }).waitFor(VISIBLE);
    expect(await seriousViolations(page)).toEqual([]);
  });

  it("says in Russian what someone else changed when an edit meets a 412, and the operator's own edit", async () => {
    const id = await world.createTicket(customer, world.ctx.unique('Гонка '));
    const page = await (await world.newContext({ locale: 'ru-RU' }, operator.token)).newPage();
    // No live updates, so the page keeps its old version and its edit meets the 412.
    await page.route('**/api/events/stream**', (route) => route.abort());
    await page.goto(`/tickets/${id}`);
    await page.getByRole('button', { name: /Приоритет/ }).waitFor(VISIBLE);
    const changed = await world.ctx.request({
      method: 'PATCH',
      url: `/api/tickets/${id}`,
      headers: operator.auth,
      payload: { status: 'in_progress' },
    });
    expect(changed.status).toBe(200);

    await page.getByRole('button', { name: /Приоритет/ }).click();
    await page.getByRole('option', { name: 'Срочный' }).click();
    const alert = page.getByRole('alert').filter({ hasText: 'изменил' });
    await alert.getByText('Статус: Открыто → В работе').waitFor(VISIBLE);
    await alert.getByText('Ваше изменение: приоритет → Срочный').waitFor(VISIBLE);
    expect(await seriousViolations(page)).toEqual([]);
  });

  it('follows a dark system theme, passes axe (colour contrast included) in it, and switches to light', async () => {
    const subject = world.ctx.unique('Dark mode ');
    const id = await world.createTicket(customer, subject);
    const context = await world.newContext({ colorScheme: 'dark' }, operator.token);
    const page = await context.newPage();
    await page.goto('/');
    await page.getByRole('link', { name: subject }).waitFor(VISIBLE);
    expect(await page.evaluate('document.documentElement.dataset.theme')).toBe('dark');
    expect(await seriousViolations(page)).toEqual([]);

    await page.goto(`/tickets/${id}`);
    await page.getByRole('textbox', { name: 'Reply' }).waitFor(VISIBLE);
    await page.getByRole('textbox', { name: 'Reply' }).fill('A note in the dark');
    await page.getByRole('switch', { name: 'Internal note' }).check({ force: true });
    await page.getByRole('button', { name: 'Send' }).click();
    await waitUntil(async () => (await messageTexts(id)).includes('A note in the dark'));
    await page.getByText('A note in the dark').waitFor(VISIBLE);
    expect(await seriousViolations(page)).toEqual([]);

    await page.getByRole('combobox', { name: 'Theme' }).selectOption('light');
    expect(await page.evaluate('document.documentElement.dataset.theme')).toBe('light');
    await page.reload();
    await page.getByRole('textbox', { name: 'Reply' }).waitFor(VISIBLE);
    expect(await page.evaluate('document.documentElement.dataset.theme')).toBe('light');
    expect(await seriousViolations(page)).toEqual([]);
  });

  it('fits a 360 px wide screen without horizontal scrolling (inbox, ticket, portal)', async () => {
    const subject = world.ctx.unique('A rather long subject line that has to wrap on a small phone screen ');
    const id = await world.createTicket(customer, subject);
    const viewport = { width: 360, height: 740 };

    const staffPage = await (await world.newContext({ viewport }, operator.token)).newPage();
    await staffPage.goto('/');
    await staffPage.getByRole('link', { name: subject }).waitFor(VISIBLE);
    expect(await horizontalOverflow(staffPage)).toBeLessThanOrEqual(0);
    // The list comes first on a phone: the newest ticket is on the first screen, the filters are folded
    // behind "Filters" (the search stays) and open from it.
    const newest = await staffPage.getByRole('link', { name: subject }).boundingBox();
    expect(newest && newest.y + newest.height).toBeLessThanOrEqual(viewport.height);
    expect(await staffPage.getByRole('searchbox', { name: 'Search' }).isVisible()).toBe(true);
    const priority = staffPage.getByRole('button', { name: /Priority filter/ });
    expect(await priority.isVisible()).toBe(false);
    const toggle = staffPage.getByRole('button', { name: 'Filters' });
    expect(await toggle.getAttribute('aria-expanded')).toBe('false');
    await toggle.click();
    await priority.waitFor(VISIBLE);
    expect(await toggle.getAttribute('aria-expanded')).toBe('true');
    expect(await horizontalOverflow(staffPage)).toBeLessThanOrEqual(0);
    expect(await seriousViolations(staffPage)).toEqual([]);
    await staffPage.goto(`/tickets/${id}`);
    await staffPage.getByRole('textbox', { name: 'Reply' }).waitFor(VISIBLE);
    expect(await horizontalOverflow(staffPage)).toBeLessThanOrEqual(0);

    const customerPage = await (await world.newContext({ viewport }, customer.token)).newPage();
    await customerPage.goto('/');
    await customerPage.getByRole('link', { name: subject }).waitFor(VISIBLE);
    expect(await horizontalOverflow(customerPage)).toBeLessThanOrEqual(0);
    await customerPage.goto(`/tickets/${id}`);
    await customerPage.getByRole('textbox', { name: 'Reply' }).waitFor(VISIBLE);
    expect(await horizontalOverflow(customerPage)).toBeLessThanOrEqual(0);
  });
});
