import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../test/helpers/chromium.js';
import { BENCH_PASSWORD, benchOperator } from './seed.js';
import { percentile, round } from './stats.js';

/**
 * The web console's budgets (issue 14), in Debian's Chromium against the API the HTTP phase started on a
 * seeded database:
 * - **inbox visible after sign-in**: a new browser (empty cache, no session) opens `/`, fills in the sign-in
 *   form; the clock runs from the click on "Sign in" until the first ticket of the default view ("All open")
 *   is on screen — the token request (argon2 on purpose), the `/api/users/me` and list requests, rendering;
 * - **inbox visible on opening**: the same signed-in browser loads `/` again (session kept, assets cached),
 *   from navigation start to the first ticket on screen: what an operator's every new tab costs;
 * - **a live change in another browser**: an operator's inbox is open; another operator changes a ticket on
 *   that page (a PATCH adding a tag, as the console's side panel would send); the clock runs from sending the
 *   PATCH until the tag is on the first browser's screen (a MutationObserver in the page records the moment;
 *   both clocks are this machine's). A PATCH changes no ticket count, so `--reuse-seed` still finds the
 *   seeded database unchanged.
 */

export interface ConsoleResult {
  dataset: string;
  signIns: number;
  /** Click on "Sign in" → first ticket of the inbox on screen, ms. */
  signInToInboxMs: { p50: number; max: number };
  /** Navigation start of a signed-in reload → first ticket on screen, ms. */
  openInboxMs: { p50: number; max: number };
  changes: number;
  /** PATCH sent → the change on another operator's screen, ms. */
  liveChangeMs: { p50: number; p95: number; max: number };
}

export interface ConsoleOptions {
  signIns: number;
  changes: number;
  /**
   * Tickets the changes must leave alone: the history workload's tickets, whose exactly 50 events are what
   * `--reuse-seed` checks (one more event there and the next run seeds a million tickets again).
   */
  untouchable: readonly number[];
  log: (line: string) => void;
}

const FIRST_TICKET = 'a[data-ticket-id]';
const VISIBLE = { state: 'visible', timeout: 30_000 } as const;

/**
 * Runs in every page before its scripts: notes (in the page's own clock) the first click on a submit button
 * and the first ticket link in the document after it, so the figures hold no round trip to the harness.
 */
const FIRST_ROW_CLOCK = `
  window.__clickedAt = 0; window.__firstTicketAt = 0;
  document.addEventListener('click', (event) => {
    if (!window.__clickedAt && event.target instanceof Element && event.target.closest('button[type="submit"]')) {
      window.__clickedAt = performance.now();
    }
  }, true);
  new MutationObserver((_, observer) => {
    if (document.querySelector('${FIRST_TICKET}')) { window.__firstTicketAt = performance.now(); observer.disconnect(); }
  }).observe(document, { childList: true, subtree: true });
`;

async function clock(page: Page): Promise<{ clickedAt: number; firstTicketAt: number }> {
  await page.locator(FIRST_TICKET).first().waitFor(VISIBLE);
  // In-page code goes as text: this project's TypeScript has no DOM types outside web/.
  return page.evaluate<{ clickedAt: number; firstTicketAt: number }>(
    '({ clickedAt: window.__clickedAt, firstTicketAt: window.__firstTicketAt })',
  );
}

async function signInOnce(browser: Browser, baseUrl: string): Promise<{ signIn: number; open: number }> {
  const context = await browser.newContext({ baseURL: baseUrl, viewport: { width: 1440, height: 900 } });
  try {
    await context.addInitScript({ content: FIRST_ROW_CLOCK });
    const page = await context.newPage();
    await page.goto('/');
    await page.getByLabel('Email or username').fill(benchOperator);
    await page.getByLabel('Password', { exact: true }).fill(BENCH_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const first = await clock(page);
    if (!first.clickedAt) throw new Error('the sign-in click was not seen');
    await page.reload();
    // A reload's clock starts at the navigation's own start (performance.now() is 0 there).
    const second = await clock(page);
    return { signIn: first.firstTicketAt - first.clickedAt, open: second.firstTicketAt };
  } finally {
    await context.close();
  }
}

/** Resolves, in the page, with `Date.now()` at the moment a tag with this text appears in the list. */
function tagShown(page: Page, tag: string): Promise<number> {
  return page.evaluate<number>(`new Promise((resolve) => {
    const seen = () => [...document.querySelectorAll('.tickets .tag')].some((node) => node.textContent === ${JSON.stringify(tag)});
    if (seen()) return resolve(Date.now());
    const observer = new MutationObserver(() => {
      if (seen()) { observer.disconnect(); resolve(Date.now()); }
    });
    observer.observe(document.body, { childList: true, subtree: true, characterData: true });
  })`);
}

async function liveChanges(
  browser: Browser,
  baseUrl: string,
  token: string,
  changes: number,
  untouchable: readonly number[],
): Promise<number[]> {
  const context = await browser.newContext({ baseURL: baseUrl, viewport: { width: 1440, height: 900 } });
  try {
    await context.addInitScript({ content: `localStorage.setItem('service-desk.token', ${JSON.stringify(token)});` });
    const page = await context.newPage();
    await page.goto('/');
    await page.locator(FIRST_TICKET).first().waitFor(VISIBLE);
    await page.locator('html[data-live="open"]').waitFor({ state: 'attached', timeout: 30_000 });
    const onScreen = await page
      .locator(FIRST_TICKET)
      .evaluateAll((links) => links.slice(0, 20).map((link) => Number(link.getAttribute('data-ticket-id'))));
    const ids = onScreen.filter((id) => !untouchable.includes(id));
    if (ids.length === 0) throw new Error('no ticket on the first screen that the changes may touch');
    const run = Date.now().toString(36);
    const latencies: number[] = [];
    for (let index = 0; index < changes; index++) {
      const id = ids[index % ids.length];
      const tag = `live-${run}-${index}`;
      const shown = tagShown(page, tag);
      const sent = Date.now();
      const response = await fetch(`${baseUrl}/api/tickets/${id}`, {
        method: 'PATCH',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ add_tags: [tag] }),
      });
      if (!response.ok) throw new Error(`PATCH /api/tickets/${id} answered ${response.status}`);
      const timeout = new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error(`tag ${tag} not on screen within 10 s`)), 10_000),
      );
      latencies.push((await Promise.race([shown, timeout])) - sent);
      // Changes a few hundred ms apart, as people make them (a burst would measure the queue, not a change).
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    return latencies;
  } finally {
    await context.close();
  }
}

async function login(baseUrl: string): Promise<string> {
  const response = await fetch(`${baseUrl}/api/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username: benchOperator, password: BENCH_PASSWORD }).toString(),
  });
  const body = (await response.json()) as { access_token?: string };
  if (!body.access_token) throw new Error(`login answered ${response.status}`);
  return body.access_token;
}

export async function runConsolePhase(
  baseUrl: string,
  dataset: string,
  options: ConsoleOptions,
): Promise<ConsoleResult> {
  const browser = await launchChromium();
  try {
    const signIn: number[] = [];
    const open: number[] = [];
    for (let run = 0; run < options.signIns; run++) {
      const result = await signInOnce(browser, baseUrl);
      signIn.push(result.signIn);
      open.push(result.open);
    }
    const live = await liveChanges(browser, baseUrl, await login(baseUrl), options.changes, options.untouchable);
    const result: ConsoleResult = {
      dataset,
      signIns: options.signIns,
      signInToInboxMs: { p50: round(percentile(signIn, 50)), max: round(Math.max(...signIn)) },
      openInboxMs: { p50: round(percentile(open, 50)), max: round(Math.max(...open)) },
      changes: live.length,
      liveChangeMs: {
        p50: round(percentile(live, 50)),
        p95: round(percentile(live, 95)),
        max: round(Math.max(...live)),
      },
    };
    options.log(
      `  ${dataset} console: sign-in → inbox p50 ${result.signInToInboxMs.p50} ms (max ${result.signInToInboxMs.max}), ` +
        `open inbox p50 ${result.openInboxMs.p50} ms (max ${result.openInboxMs.max}), ` +
        `live change p50 ${result.liveChangeMs.p50} p95 ${result.liveChangeMs.p95} ms (max ${result.liveChangeMs.max})`,
    );
    return result;
  } finally {
    await browser.close();
  }
}
