import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestContext } from '../helpers/context.js';

let ctx: TestContext;
let withCors: TestContext;
beforeAll(async () => {
  ctx = await TestContext.create();
  withCors = await TestContext.create({ CORS_ORIGINS: 'https://desk.example.com, http://localhost:5173' });
});
afterAll(async () => {
  await ctx.close();
  await withCors.close();
});

describe('security headers', () => {
  it('are on API responses and on the docs', async () => {
    for (const url of ['/api/health', '/api/docs/static/index.html']) {
      const res = await ctx.request({ method: 'GET', url });
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
      const csp = String(res.headers['content-security-policy']);
      expect(csp).toContain("default-src 'self'");
      expect(csp).not.toContain('upgrade-insecure-requests');
    }
  });
});

describe('CORS', () => {
  it('is off unless configured', async () => {
    const res = await ctx.request({ method: 'GET', url: '/api/health', headers: { origin: 'https://evil.example' } });
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('allows exactly the configured origins, with the headers clients need', async () => {
    const ok = await withCors.request({
      method: 'OPTIONS',
      url: '/api/tickets',
      headers: {
        origin: 'https://desk.example.com',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,idempotency-key',
      },
    });
    expect(ok.status).toBe(204);
    expect(ok.headers['access-control-allow-origin']).toBe('https://desk.example.com');
    expect(String(ok.headers['access-control-allow-headers']).toLowerCase()).toContain('idempotency-key');
    const get = await withCors.request({
      method: 'GET',
      url: '/api/health',
      headers: { origin: 'http://localhost:5173' },
    });
    expect(get.headers['access-control-allow-origin']).toBe('http://localhost:5173');
    expect(String(get.headers['access-control-expose-headers'])).toContain('ETag');
    const denied = await withCors.request({
      method: 'GET',
      url: '/api/health',
      headers: { origin: 'https://evil.example' },
    });
    expect(denied.headers['access-control-allow-origin']).toBeUndefined();
  });
});
