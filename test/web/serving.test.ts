import { readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestContext } from '../helpers/context.js';

/** How the server hands out the built console: caching, the SPA fallback, the strict CSP. */
let ctx: TestContext;
const html = { accept: 'text/html,application/xhtml+xml' };

beforeAll(async () => {
  ctx = await TestContext.create();
}, 180_000);

afterAll(async () => {
  await ctx?.close();
});

describe('the web console is served by the API server', () => {
  it('answers / and any client-side route with index.html, revalidated on every load, under a strict CSP', async () => {
    for (const url of ['/', '/tickets/42', '/some/deep/path?x=1']) {
      const response = await ctx.app.inject({ method: 'GET', url, headers: html });
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toMatch(/^text\/html/);
      expect(response.headers['cache-control']).toBe('no-cache');
      expect(response.body).toContain('<div id="root"></div>');
      const csp = String(response.headers['content-security-policy']);
      expect(csp).toContain("script-src 'self';");
      expect(csp).toContain("connect-src 'self'");
      expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
    }
  });

  it('the built page has no inline script', async () => {
    const response = await ctx.app.inject({ method: 'GET', url: '/', headers: html });
    const scripts = response.body.match(/<script[^>]*>[^<]*<\/script>/g) ?? [];
    expect(scripts.length).toBeGreaterThan(0);
    for (const script of scripts) expect(script).toMatch(/<script[^>]* src="[^"]+"[^>]*><\/script>/);
  });

  it('serves hashed assets with a year-long immutable cache', async () => {
    const assets = readdirSync(path.resolve(import.meta.dirname, '../../web/dist/assets'));
    const script = assets.find((name) => name.endsWith('.js'));
    expect(script).toBeDefined();
    const response = await ctx.app.inject({ method: 'GET', url: `/assets/${script}` });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/javascript/);
    expect(response.headers['cache-control']).toBe('public, max-age=31536000, immutable');
  });

  it('keeps the API its own: unknown /api paths and non-HTML requests stay JSON 404s', async () => {
    for (const [url, headers] of [
      ['/api/nothing-here', html],
      ['/api', html],
      ['/missing.js', { accept: '*/*' }],
      ['/tickets/42', { accept: 'application/json' }],
    ] as const) {
      const response = await ctx.app.inject({ method: 'GET', url, headers });
      expect(response.statusCode).toBe(404);
      expect(response.json()).toEqual({ detail: 'Not Found' });
    }
    const health = await ctx.app.inject({ method: 'GET', url: '/api/health', headers: html });
    expect(health.statusCode).toBe(200);
  });
});
