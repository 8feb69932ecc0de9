import type { InjectOptions } from 'fastify';
import type { Static } from 'typebox';
import { Value } from 'typebox/value';
import { describe, expect, it } from 'vitest';
import { ErrorBody, ValidationErrorBody } from '../../src/routes/http-schemas.js';
import type { Response, TestContext } from './context.js';

/**
 * What the hostile-input tests check on every answer: the documented error shapes, and that nothing they
 * send is a 5xx (each file ends by asserting its list of server errors is empty).
 */

/** `ctx` is read at each call: test files create their context in `beforeAll`. */
export function recordingSender(ctx: () => TestContext): {
  send: <T = unknown>(options: InjectOptions) => Promise<Response<T>>;
  serverErrors: string[];
} {
  const serverErrors: string[] = [];
  const send = async <T = unknown>(options: InjectOptions): Promise<Response<T>> => {
    const res = await ctx().request<T>(options);
    if (res.status >= 500) serverErrors.push(`${options.method} ${options.url} → ${res.status}`);
    return res;
  };
  return { send, serverErrors };
}

/** A 422 with FastAPI's detail list, one entry at `loc` (and of `type`, when given). */
export function expectValidation(res: Response<unknown>, loc: (string | number)[], type?: string): void {
  expect(res.status, JSON.stringify(res.body)).toBe(422);
  expect(Value.Check(ValidationErrorBody, res.body), JSON.stringify(res.body)).toBe(true);
  const { detail } = res.body as Static<typeof ValidationErrorBody>;
  expect(detail).toContainEqual(expect.objectContaining(type ? { loc, type } : { loc }));
}

/** `status` with a `{"detail": "…"}` body (that very text, when given). */
export function expectDetail(res: Response<unknown>, status: number, detail?: string): void {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(Value.Check(ErrorBody, res.body), JSON.stringify(res.body)).toBe(true);
  if (detail) expect(res.body).toEqual({ detail });
}

/** One of `statuses`, with the body documented for it. */
export function expectClientError(res: Response<unknown>, statuses: number[]): void {
  expect(statuses, `status ${res.status}: ${JSON.stringify(res.body)}`).toContain(res.status);
  const schema = res.status === 422 ? ValidationErrorBody : ErrorBody;
  expect(Value.Check(schema, res.body), `${res.status}: ${JSON.stringify(res.body)}`).toBe(true);
}

/** The closing checks of a hostile-input file, run after all its cases. */
export function expectUnharmed(ctx: () => TestContext, serverErrors: string[]): void {
  describe('after every case above', () => {
    it('no response was a 5xx', () => {
      expect(serverErrors).toEqual([]);
    });

    it('the service is still ready', async () => {
      const res = await ctx().request({ method: 'GET', url: '/api/health/ready' });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ data: { status: 'ready' } });
    });
  });
}
