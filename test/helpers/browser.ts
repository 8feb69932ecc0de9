import type { AddressInfo } from 'node:net';
import AxeBuilder from '@axe-core/playwright';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { expect } from 'vitest';
import { launchChromium } from './chromium.js';
import { type Ok, TestContext, type TestUser } from './context.js';

/** How long a browser test waits for what it expects to appear. */
export const VISIBLE = { state: 'visible', timeout: 10_000 } as const;

/** axe-core's serious and critical violations on the page as it is now (rule id and the failing nodes). */
export async function seriousViolations(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page }).analyze();
  return result.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => `${violation.id}: ${violation.nodes.map((node) => node.html).join(', ')}`);
}

export interface BrowserWorldOptions {
  /** Configuration on top of RATE_LIMITS=off. */
  env?: Record<string, string>;
  /** Run the app's background jobs in this process (so webhook deliveries really go out). */
  background?: boolean;
}

/**
 * What a browser test file stands on: the real server on PostgreSQL listening on a port (serving web/dist,
 * the API and live events), Debian's Chromium, and every browser context the file opens. Start it in
 * beforeAll, close it in afterAll.
 */
export class BrowserWorld {
  private readonly contexts: BrowserContext[] = [];

  private constructor(
    readonly ctx: TestContext,
    /** The listening app's origin, every context's baseURL. */
    readonly base: string,
    readonly browser: Browser,
  ) {}

  static async start(options: BrowserWorldOptions = {}): Promise<BrowserWorld> {
    // One customer opens many tickets in a file: the per-account limits would answer 429 long before it ends.
    const ctx = await TestContext.create({ RATE_LIMITS: 'off', ...options.env }, { postgres: true });
    try {
      if (options.background) await ctx.app.services.background.start();
      await ctx.app.listen({ host: '127.0.0.1', port: 0 });
      const base = `http://127.0.0.1:${(ctx.app.server.address() as AddressInfo).port}`;
      return new BrowserWorld(ctx, base, await launchChromium());
    } catch (error) {
      await ctx.close();
      throw error;
    }
  }

  /**
   * A browser context on the app, closed with the world; with a token it is already signed in: the token is
   * where the console keeps it before any page script runs.
   */
  async newContext(options: BrowserContextOptions = {}, token?: string): Promise<BrowserContext> {
    const context = await this.browser.newContext({ baseURL: this.base, ...options });
    this.contexts.push(context);
    if (token) {
      await context.addInitScript({ content: `localStorage.setItem('service-desk.token', ${JSON.stringify(token)});` });
    }
    return context;
  }

  /** A page of a new context signed in as `user`, gone to `url`. */
  async open(user: TestUser, url: string): Promise<Page> {
    const page = await (await this.newContext({}, user.token)).newPage();
    await page.goto(url);
    return page;
  }

  /** A ticket of `owner`'s, created through the API; its id. */
  async createTicket(owner: TestUser, subject: string): Promise<number> {
    const response = await this.ctx.request<Ok<{ id: number }>>({
      method: 'POST',
      url: '/api/tickets',
      headers: owner.auth,
      payload: { subject, description: 'Created through the API' },
    });
    expect(response.status).toBe(201);
    return response.body.data.id;
  }

  async close(): Promise<void> {
    for (const context of this.contexts) await context.close();
    await this.browser.close();
    await this.ctx.close();
  }
}
