import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, seriousViolations } from '../helpers/browser.js';
import { type Ok, TEST_PASSWORD, TestContext, type TestUser } from '../helpers/context.js';
import { waitUntil } from '../helpers/wait.js';

/**
 * The console's languages (Russian follows the browser, English by the Language switch, kept over a reload),
 * its dark theme (axe, colour contrast included) and a 360 px wide screen, in Debian's Chromium against the
 * real server on PostgreSQL.
 */
let ctx: TestContext;
let browser: Browser;
let base: string;
let operator: TestUser;
let customer: TestUser;
const contexts: BrowserContext[] = [];

const VISIBLE = { state: 'visible', timeout: 10_000 } as const;

beforeAll(async () => {
  ctx = await TestContext.create({ RATE_LIMITS: 'off' }, { postgres: true });
  await ctx.app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(ctx.app.server.address() as AddressInfo).port}`;
  operator = await ctx.newUser('operator');
  customer = await ctx.newUser('customer');
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  for (const context of contexts) await context.close();
  await browser?.close();
  await ctx?.close();
});

async function newContext(options: BrowserContextOptions, token?: string): Promise<BrowserContext> {
  const context = await browser.newContext({ baseURL: base, ...options });
  contexts.push(context);
  if (token) {
    await context.addInitScript({ content: `localStorage.setItem('service-desk.token', ${JSON.stringify(token)});` });
  }
  return context;
}

async function createTicket(owner: TestUser, subject: string): Promise<number> {
  const response = await ctx.request<Ok<{ id: number }>>({
    method: 'POST',
    url: '/api/tickets',
    headers: owner.auth,
    payload: { subject, description: 'Created through the API' },
  });
  expect(response.status).toBe(201);
  return response.body.data.id;
}

async function messageTexts(ticketId: number): Promise<string[]> {
  const response = await ctx.request<{ data: { text: string }[] }>({
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
    const subject = ctx.unique('Принтер ');
    const id = await createTicket(customer, subject);
    const context = await newContext({ locale: 'ru-RU' });
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
    const context = await newContext({ locale: 'ru-RU' }, customer.token);
    const page = await context.newPage();
    await page.goto('/');
    await page.getByRole('button', { name: 'Новое обращение' }).click();
    await page.getByRole('textbox', { name: 'Тема' }).waitFor(VISIBLE);
    await page.getByRole('textbox', { name: 'Описание' }).waitFor(VISIBLE);
    await page.getByRole('button', { name: 'Создать' }).waitFor(VISIBLE);
    expect(await seriousViolations(page)).toEqual([]);
  });

  it('follows a dark system theme, passes axe (colour contrast included) in it, and switches to light', async () => {
    const subject = ctx.unique('Dark mode ');
    const id = await createTicket(customer, subject);
    const context = await newContext({ colorScheme: 'dark' }, operator.token);
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
    const subject = ctx.unique('A rather long subject line that has to wrap on a small phone screen ');
    const id = await createTicket(customer, subject);
    const viewport = { width: 360, height: 740 };

    const staffPage = await (await newContext({ viewport }, operator.token)).newPage();
    await staffPage.goto('/');
    await staffPage.getByRole('link', { name: subject }).waitFor(VISIBLE);
    expect(await horizontalOverflow(staffPage)).toBeLessThanOrEqual(0);
    await staffPage.goto(`/tickets/${id}`);
    await staffPage.getByRole('textbox', { name: 'Reply' }).waitFor(VISIBLE);
    expect(await horizontalOverflow(staffPage)).toBeLessThanOrEqual(0);

    const customerPage = await (await newContext({ viewport }, customer.token)).newPage();
    await customerPage.goto('/');
    await customerPage.getByRole('link', { name: subject }).waitFor(VISIBLE);
    expect(await horizontalOverflow(customerPage)).toBeLessThanOrEqual(0);
    await customerPage.goto(`/tickets/${id}`);
    await customerPage.getByRole('textbox', { name: 'Reply' }).waitFor(VISIBLE);
    expect(await horizontalOverflow(customerPage)).toBeLessThanOrEqual(0);
  });
});
