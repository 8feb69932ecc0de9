import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { openConfiguredDatabase } from '../src/runtime/database.js';
import { launchChromium } from '../test/helpers/chromium.js';
import { ensureWebBuilt } from '../test/helpers/web-build.js';

/**
 * `npm run screenshots`: the pictures in README.md and docs/screenshots/. Builds the console when web/dist is
 * missing or older than web/src, starts the app in this process on an embedded PGlite database in a temporary
 * folder (listening on a free port, serving web/dist and the API), seeds the same small desk every time
 * through the public API — an admin, two operators, three customers, a dozen tickets, one conversation with
 * an answer, an internal note and a priority change, SLA policies — and drives Debian's Chromium
 * (CHROMIUM_PATH, else /usr/bin/chromium) to write inbox.png, ticket.png, portal.png, admin.png (1440×900)
 * and inbox-mobile.png (360×740). The temporary folder is removed at the end.
 */

const root = path.resolve(import.meta.dirname, '..');
const outDir = path.join(root, 'docs/screenshots');
const PASSWORD = 'screenshot-desk-pass-2026';
const DESKTOP = { width: 1440, height: 900 };
const MOBILE = { width: 360, height: 740 };
const VISIBLE = { state: 'visible', timeout: 15_000 } as const;

const say = (text: string) => console.log(`screenshots: ${text}`);

interface Account {
  id: number;
  token: string;
}

/** A small client of the public API on the listening app. */
class Api {
  constructor(readonly base: string) {}

  async call<T>(method: string, url: string, token: string | undefined, body?: unknown): Promise<T> {
    const headers: Record<string, string> = {};
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${this.base}${url}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${url}: ${response.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  async login(username: string): Promise<string> {
    const response = await fetch(`${this.base}/api/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password: PASSWORD }),
    });
    if (!response.ok) throw new Error(`login ${username}: ${response.status} ${await response.text()}`);
    const body = (await response.json()) as { access_token: string };
    return body.access_token;
  }

  /** An account made by the admin, its address marked verified, and signed in. */
  async account(admin: string, username: string, role: 'operator' | 'customer'): Promise<Account> {
    const email = `${username}@example.com`;
    const made = await this.call<{ data: { id: number } }>('POST', '/api/users', admin, {
      email,
      username,
      password: PASSWORD,
      role,
    });
    await this.call('PATCH', `/api/users/${made.data.id}`, admin, { email_verified: true });
    return { id: made.data.id, token: await this.login(username) };
  }
}

interface SeedTicket {
  subject: string;
  description: string;
  customer: number;
  priority: 'low' | 'normal' | 'high' | 'urgent';
  tags: string[];
  group?: 'hardware' | 'accounts';
  operator?: 0 | 1;
  status?: 'in_progress' | 'closed';
}

const TICKETS: SeedTicket[] = [
  {
    subject: 'Printer on the 3rd floor prints blank pages',
    description: 'Since this morning every job comes out blank. Toner was replaced last week.',
    customer: 0,
    priority: 'normal',
    tags: ['printer'],
    group: 'hardware',
  },
  {
    subject: 'Cannot sign in to the VPN from home',
    description: 'The client says "authentication failed" although my password works for email.',
    customer: 1,
    priority: 'high',
    tags: ['vpn', 'remote'],
    group: 'accounts',
    operator: 0,
    status: 'in_progress',
  },
  {
    subject: 'Invoice #2026-118 shows the wrong VAT rate',
    description: 'The invoice for November charges 21% VAT; our contract says 19%.',
    customer: 2,
    priority: 'normal',
    tags: ['billing'],
  },
  {
    subject: 'Laptop battery drains in an hour',
    description: 'My ThinkPad went from 6 hours to about one hour of battery within a month.',
    customer: 0,
    priority: 'low',
    tags: ['laptop', 'hardware'],
    group: 'hardware',
  },
  {
    subject: 'Shared drive "Finance" is read-only for the whole team',
    description: 'Nobody in finance can save files to the shared drive since the weekend.',
    customer: 2,
    priority: 'urgent',
    tags: ['storage', 'permissions'],
    group: 'accounts',
    operator: 1,
  },
  {
    subject: 'New starter needs an account on Monday',
    description: 'Anna Berg joins sales on Monday; she needs email, CRM and VPN access.',
    customer: 1,
    priority: 'normal',
    tags: ['onboarding'],
    group: 'accounts',
  },
  {
    subject: 'Meeting room screen does not detect HDMI',
    description: 'Room "Fjord" — the screen shows "no signal" with every laptop we tried.',
    customer: 0,
    priority: 'high',
    tags: ['meeting-room', 'hardware'],
    group: 'hardware',
    operator: 0,
  },
  {
    subject: 'Password reset email never arrives',
    description: 'I requested a reset three times; nothing in inbox or spam.',
    customer: 1,
    priority: 'high',
    tags: ['email'],
  },
  {
    subject: 'Request: second monitor for the design team',
    description: 'The two new designers would like a second 27" monitor each.',
    customer: 2,
    priority: 'low',
    tags: ['purchase'],
    group: 'hardware',
  },
  {
    subject: 'CRM export times out for large reports',
    description: 'Exporting the yearly customer report stops after 60 seconds with an error.',
    customer: 2,
    priority: 'normal',
    tags: ['crm'],
    operator: 1,
    status: 'in_progress',
  },
  {
    subject: 'Phone extension 214 forwards to the wrong desk',
    description: 'Calls to 214 ring at reception instead of the support desk.',
    customer: 1,
    priority: 'normal',
    tags: ['phone'],
    operator: 0,
    status: 'closed',
  },
  {
    subject: 'Wi-Fi drops in the warehouse',
    description: 'The scanners lose Wi-Fi near the loading bay several times an hour.',
    customer: 0,
    priority: 'urgent',
    tags: ['network', 'warehouse'],
    operator: 1,
  },
];

/** The same desk every run, made through the public API (so every rule and event applies). */
async function seed(api: Api, adminToken: string): Promise<{ ticketId: number; customer: Account }> {
  const slaPolicies = [
    { name: 'Urgent', priority: 'urgent', first_response_minutes: 30, resolution_minutes: 240 },
    { name: 'High', priority: 'high', first_response_minutes: 120, resolution_minutes: 960 },
    { name: 'Standard', priority: null, first_response_minutes: 480, resolution_minutes: 2880 },
  ];
  for (const policy of slaPolicies) {
    await api.call('POST', '/api/sla-policies', adminToken, { ...policy, business_hours: null });
  }
  const operators = [
    await api.account(adminToken, 'maria.lopez', 'operator'),
    await api.account(adminToken, 'tom.becker', 'operator'),
  ];
  const customers = [
    await api.account(adminToken, 'jonas.meyer', 'customer'),
    await api.account(adminToken, 'priya.shah', 'customer'),
    await api.account(adminToken, 'lea.dubois', 'customer'),
  ];
  const groups: Record<string, number> = {};
  for (const [key, name, members] of [
    ['hardware', 'Hardware', [operators[0], operators[1]]],
    ['accounts', 'Accounts & access', [operators[1]]],
  ] as const) {
    const group = await api.call<{ data: { id: number } }>('POST', '/api/groups', adminToken, {
      name,
      description: `${name} requests`,
    });
    await api.call('PUT', `/api/groups/${group.data.id}/members`, adminToken, {
      user_ids: members.map((member) => member?.id),
    });
    groups[key] = group.data.id;
  }
  const ids: number[] = [];
  for (const ticket of TICKETS) {
    const customer = customers[ticket.customer];
    if (!customer) throw new Error(`no customer ${ticket.customer}`);
    const made = await api.call<{ data: { id: number } }>('POST', '/api/tickets', customer.token, {
      subject: ticket.subject,
      description: ticket.description,
    });
    ids.push(made.data.id);
    const operator = ticket.operator === undefined ? undefined : operators[ticket.operator];
    await api.call('PATCH', `/api/tickets/${made.data.id}`, adminToken, {
      priority: ticket.priority,
      tags: ticket.tags,
      ...(ticket.group ? { group_id: groups[ticket.group] } : {}),
      ...(operator ? { operator_id: operator.id } : {}),
      ...(ticket.status ? { status: ticket.status } : {}),
    });
  }
  // The conversation of the ticket in ticket.png: the VPN one, Priya's, taken by Maria.
  const ticketId = ids[1];
  const maria = operators[0];
  const priya = customers[1];
  if (ticketId === undefined || !maria || !priya) throw new Error('the seed lost its ticket');
  await api.call('POST', `/api/tickets/${ticketId}/messages`, priya.token, {
    text: 'I tried again after restarting the laptop: same error. I am on the 2.4 client.',
  });
  await api.call('POST', `/api/tickets/${ticketId}/messages`, maria.token, {
    text: 'Thanks, Priya. Your VPN certificate expired on Friday; I have issued a new one. Please open the client, choose "Refresh profile" and sign in again.',
  });
  await api.call('POST', `/api/tickets/${ticketId}/messages`, maria.token, {
    text: 'Three more expired certificates in the same batch — checking the renewal job.',
    internal: true,
  });
  await api.call('PATCH', `/api/tickets/${ticketId}`, maria.token, { priority: 'urgent' });
  await api.call('POST', `/api/tickets/${ticketId}/messages`, priya.token, {
    text: 'That worked, I am connected. Thank you!',
  });
  return { ticketId, customer: priya };
}

async function shoot(page: Page, name: string): Promise<void> {
  // Fonts and the last query settled: the same picture at every run.
  await page.evaluate('document.fonts.ready.then(() => true)');
  await page.waitForLoadState('networkidle');
  await page.screenshot({ path: path.join(outDir, `${name}.png`), fullPage: false, animations: 'disabled' });
  say(`wrote docs/screenshots/${name}.png`);
}

/** A desktop or phone-sized browser context, signed in as the token's account before any page script runs. */
async function contextFor(browser: Browser, base: string, token: string, mobile = false): Promise<BrowserContext> {
  const context = await browser.newContext({
    baseURL: base,
    viewport: mobile ? MOBILE : DESKTOP,
    deviceScaleFactor: 1,
    // Dates as the README's readers expect them, whatever this machine's locale and zone.
    locale: 'en-US',
    timezoneId: 'UTC',
    ...(mobile ? { isMobile: true, hasTouch: true } : {}),
  });
  await context.addInitScript({ content: `localStorage.setItem('service-desk.token', ${JSON.stringify(token)});` });
  return context;
}

interface Cast {
  admin: string;
  operator: string;
  customer: string;
  ticketId: number;
}

async function pictures(browser: Browser, base: string, cast: Cast): Promise<void> {
  const firstSubject = TICKETS[0]?.subject ?? '';
  const staff = await contextFor(browser, base, cast.operator);
  const page = await staff.newPage();
  await page.goto('/');
  await page.getByRole('link', { name: firstSubject }).waitFor(VISIBLE);
  await shoot(page, 'inbox');
  await page.goto(`/tickets/${cast.ticketId}`);
  await page.getByText('That worked, I am connected.').first().waitFor(VISIBLE);
  await shoot(page, 'ticket');
  await staff.close();

  const admin = await contextFor(browser, base, cast.admin);
  const adminPage = await admin.newPage();
  await adminPage.goto('/admin/sla');
  await adminPage.getByRole('heading', { name: 'SLA policies', level: 1 }).waitFor(VISIBLE);
  await adminPage.getByText('Standard').first().waitFor(VISIBLE);
  await shoot(adminPage, 'admin');
  await admin.close();

  const customer = await contextFor(browser, base, cast.customer);
  const portal = await customer.newPage();
  await portal.goto('/');
  await portal.getByRole('link', { name: TICKETS[1]?.subject ?? '' }).waitFor(VISIBLE);
  await shoot(portal, 'portal');
  await customer.close();

  const phone = await contextFor(browser, base, cast.operator, true);
  const mobile = await phone.newPage();
  await mobile.goto('/');
  await mobile.getByRole('link', { name: firstSubject }).waitFor(VISIBLE);
  await shoot(mobile, 'inbox-mobile');
  await phone.close();
}

async function main(): Promise<void> {
  say('building the console when web/dist is stale');
  ensureWebBuilt();
  mkdirSync(outDir, { recursive: true });
  const dataDir = mkdtempSync(path.join(tmpdir(), 'sd-shots-'));
  const adminEmail = 'admin@example.com';
  const config = loadConfig({
    ENVIRONMENT: 'development',
    SECRET_KEY: 'screenshots-secret-key-that-is-long-enough-0123456789',
    DATA_DIR: dataDir,
    RATE_LIMITS: 'off',
    LOG_LEVEL: 'warn',
  });
  const database = await openConfiguredDatabase(config, (error) => console.warn(error));
  let browser: Browser | undefined;
  const app = await buildApp({ config, database });
  try {
    await database.migrate();
    await app.services.users.ensureAdmin(adminEmail, PASSWORD);
    await app.listen({ host: '127.0.0.1', port: 0 });
    const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    say(`app on ${base}, data in ${dataDir}`);
    const api = new Api(base);
    const adminToken = await api.login(adminEmail);
    const { ticketId, customer } = await seed(api, adminToken);
    say(`seeded ${TICKETS.length} tickets`);
    const operator = await api.login('maria.lopez');
    browser = await launchChromium();
    await pictures(browser, base, { admin: adminToken, operator, customer: customer.token, ticketId });
  } finally {
    await browser?.close();
    await app.close();
    await database.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
