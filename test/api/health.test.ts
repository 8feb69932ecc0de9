import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestContext } from '../helpers/context.js';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await TestContext.create();
});
afterAll(async () => ctx.close());

describe('health', () => {
  it('answers liveness without a token', async () => {
    const res = await ctx.request({ method: 'GET', url: '/api/health' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ data: { status: 'ok' }, message: 'Service is alive' });
  });

  it('answers readiness when the database answers', async () => {
    const res = await ctx.request({ method: 'GET', url: '/api/health/ready' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ data: { status: 'ready' } });
  });

  it('returns the request id, keeping a client-sent one', async () => {
    const res = await ctx.request({ method: 'GET', url: '/api/health', headers: { 'x-request-id': 'abc-123' } });
    expect(res.headers['x-request-id']).toBe('abc-123');
    const generated = await ctx.request({ method: 'GET', url: '/api/health', headers: { 'x-request-id': 'bad id\n' } });
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers unknown routes with 404 in the error shape', async () => {
    const res = await ctx.request({ method: 'GET', url: '/api/nothing-here' });
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ detail: 'Not Found' });
  });
});
