import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestContext } from '../helpers/context.js';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await TestContext.create();
});
afterAll(async () => ctx.close());

interface JsonSchema {
  required?: string[];
  properties?: Record<string, { default?: unknown }>;
}
interface Operation {
  operationId?: string;
  security?: Record<string, string[]>[];
  responses: Record<string, unknown>;
  parameters?: { name: string; in: string; required?: boolean; schema: { default?: unknown } }[];
  requestBody?: { content: Record<string, { schema: JsonSchema }> };
}
interface OpenApi {
  openapi: string;
  servers?: { url: string }[];
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, { type: string; flows?: { password?: { tokenUrl: string } } }> };
}

const PUBLIC = new Set([
  'POST /api/auth/token',
  'POST /api/auth/password-reset',
  'POST /api/auth/password-reset/confirm',
  'POST /api/users',
  'GET /api/health',
  'GET /api/health/ready',
]);

describe('OpenAPI and Swagger UI', () => {
  it('documents every route with its responses, and the login flow for Authorize', async () => {
    const res = await ctx.request<OpenApi>({ method: 'GET', url: '/api/openapi.json' });
    expect(res.status).toBe(200);
    const doc = res.body;
    expect(doc.openapi).toMatch(/^3\./);
    expect(doc.components.securitySchemes.OAuth2PasswordBearer?.flows?.password?.tokenUrl).toBe('/api/auth/token');
    const operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({ key: `${method.toUpperCase()} ${path}`, op })),
    );
    expect(operations.map((o) => o.key).sort()).toEqual(
      [
        'GET /api/health',
        'GET /api/health/ready',
        'POST /api/auth/token',
        'POST /api/auth/password-reset',
        'POST /api/auth/password-reset/confirm',
        'POST /api/users',
        'POST /api/users/me/verification-email',
        'POST /api/users/verify-email',
        'GET /api/users',
        'GET /api/users/me',
        'GET /api/users/{user_id}',
        'PATCH /api/users/{user_id}',
        'POST /api/tickets',
        'GET /api/tickets',
        'GET /api/tickets/{ticket_id}',
        'PATCH /api/tickets/{ticket_id}',
        'POST /api/tickets/{ticket_id}/messages',
        'GET /api/tickets/{ticket_id}/messages',
        'GET /api/tickets/{ticket_id}/attachments',
        'GET /api/tickets/{ticket_id}/attachments/{attachment_id}',
        'GET /api/tickets/{ticket_id}/events',
        'GET /api/events/stream',
        'PATCH /api/tickets',
        'POST /api/tickets/{ticket_id}/merge',
        'GET /api/mail/mailboxes',
        'GET /api/mail/log',
        'GET /api/mail/outbox',
        'POST /api/mail/outbox/{outbox_id}/resend',
        'POST /api/groups',
        'GET /api/groups',
        'GET /api/groups/{group_id}',
        'PATCH /api/groups/{group_id}',
        'PUT /api/groups/{group_id}/members',
        'POST /api/canned-responses',
        'GET /api/canned-responses',
        'GET /api/canned-responses/{canned_response_id}',
        'PATCH /api/canned-responses/{canned_response_id}',
        'DELETE /api/canned-responses/{canned_response_id}',
        'POST /api/canned-responses/{canned_response_id}/render',
        'POST /api/sla-policies',
        'GET /api/sla-policies',
        'GET /api/sla-policies/{policy_id}',
        'PATCH /api/sla-policies/{policy_id}',
        'DELETE /api/sla-policies/{policy_id}',
        'POST /api/webhooks',
        'GET /api/webhooks',
        'GET /api/webhooks/{webhook_id}',
        'PATCH /api/webhooks/{webhook_id}',
        'DELETE /api/webhooks/{webhook_id}',
        'GET /api/webhooks/{webhook_id}/deliveries',
        'POST /api/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver',
      ].sort(),
    );
    for (const { key, op } of operations) {
      const codes = Object.keys(op.responses);
      expect(
        codes.some((c) => c.startsWith('2')),
        key,
      ).toBe(true);
      if (key.startsWith('GET /api/health')) continue;
      expect(codes, key).toContain('422');
      if (!PUBLIC.has(key)) {
        expect(codes, key).toContain('401');
        expect(op.security, key).toEqual([{ OAuth2PasswordBearer: [] }]);
      }
    }
    const login = doc.paths['/api/auth/token']?.post;
    expect(Object.keys(login?.requestBody?.content ?? {})).toEqual(
      expect.arrayContaining(['application/json', 'application/x-www-form-urlencoded']),
    );
  });

  it('names every operation (generated clients name their functions by it) and says who may call it', async () => {
    const doc = (await ctx.request<OpenApi>({ method: 'GET', url: '/api/openapi.json' })).body;
    expect(doc.servers).toEqual([expect.objectContaining({ url: '/' })]);
    const ids: string[] = [];
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        const key = `${method.toUpperCase()} ${path}`;
        expect(op.operationId, key).toMatch(/^[a-z][a-zA-Z]+$/);
        ids.push(op.operationId ?? '');
        // Public operations say so explicitly: a client generator must not attach a token to sign-up or health.
        if (PUBLIC.has(key) && key !== 'POST /api/users') expect(op.security, key).toEqual([]);
      }
    }
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(expect.arrayContaining(['createTicket', 'listTickets', 'getTicket', 'updateTicket', 'login']));
  });

  it('is the document committed as docs/openapi.json (npm run openapi writes it)', async () => {
    const served = (await ctx.request<OpenApi>({ method: 'GET', url: '/api/openapi.json' })).body;
    const committed = JSON.parse(readFileSync(new URL('../../docs/openapi.json', import.meta.url), 'utf8'));
    expect(served).toEqual(committed);
  });

  it('never marks a value the server defaults as required (a generated client need not send it)', async () => {
    const doc = (await ctx.request<OpenApi>({ method: 'GET', url: '/api/openapi.json' })).body;
    const defaulted: string[] = [];
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        for (const p of op.parameters ?? []) {
          if (p.schema.default === undefined) continue;
          defaulted.push(`${method} ${path} ${p.name}`);
          expect(p.required ?? false, `${method} ${path} ${p.in} ${p.name}`).toBe(false);
        }
        for (const [type, { schema }] of Object.entries(op.requestBody?.content ?? {})) {
          for (const [name, property] of Object.entries(schema.properties ?? {})) {
            if (property.default === undefined) continue;
            defaulted.push(`${method} ${path} body ${name}`);
            expect(schema.required ?? [], `${method} ${path} ${type} ${name}`).not.toContain(name);
          }
        }
      }
    }
    expect(defaulted).toEqual(
      expect.arrayContaining([
        'get /api/tickets limit',
        'get /api/tickets sort_by',
        'post /api/tickets/{ticket_id}/messages body internal',
      ]),
    );
    // Still applied by the server: a list without `limit` is a page of 50.
    const tickets = doc.paths['/api/tickets']?.get?.parameters?.find((p) => p.name === 'limit');
    expect(tickets?.schema.default).toBe(50);
  });

  it('serves Swagger UI and its assets from the package, with no CDN', async () => {
    const page = await ctx.request({ method: 'GET', url: '/api/docs' });
    const html = page.status === 302 ? await ctx.request({ method: 'GET', url: String(page.headers.location) }) : page;
    expect(html.status).toBe(200);
    expect(String(html.body)).toContain('swagger-ui');
    expect(String(html.body)).not.toMatch(/https?:\/\/(cdn|unpkg)/);
    const asset = await ctx.request({ method: 'GET', url: '/api/docs/static/swagger-ui-bundle.js' });
    expect(asset.status).toBe(200);
  });
});
