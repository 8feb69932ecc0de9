import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestContext } from '../helpers/context.js';

/**
 * Requests Node's HTTP parser refuses before the API sees them still get the API's error shape,
 * `{"detail": …}` (app.ts, `clientError`), and a closed connection. A real listener is needed: injected
 * requests never meet the parser.
 */
let ctx: TestContext;
let port: number;
beforeAll(async () => {
  ctx = await TestContext.create();
  await ctx.app.listen({ host: '127.0.0.1', port: 0 });
  const address = ctx.app.server.address();
  port = typeof address === 'object' && address ? address.port : 0;
});
afterAll(async () => ctx.close());

/** Sends raw bytes and resolves with everything the server wrote before it closed the connection. */
function send(bytes: Buffer | string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(bytes));
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
    socket.on('error', reject);
    socket.setTimeout(5_000, () => socket.destroy(new Error('the server kept the connection open')));
  });
}

const bodyOf = (answer: string) => JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as unknown;

describe('requests the HTTP parser refuses', () => {
  it('answers a URL with raw (unencoded) non-ASCII bytes with 400 and a detail', async () => {
    const answer = await send(Buffer.from('GET /api/tickets?q=принтер HTTP/1.1\r\nHost: localhost\r\n\r\n', 'utf8'));
    expect(answer).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(answer).toContain('Content-Type: application/json; charset=utf-8');
    expect(bodyOf(answer)).toEqual({ detail: 'Malformed HTTP request' });
  });

  it('answers bytes that are no request at all with 400 and a detail', async () => {
    const answer = await send('HELLO THERE\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(bodyOf(answer)).toEqual({ detail: 'Malformed HTTP request' });
  });

  it('answers headers over the limit with 431 and a detail', async () => {
    const answer = await send(`GET /api/health HTTP/1.1\r\nHost: localhost\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(answer).toMatch(/^HTTP\/1\.1 431 /);
    expect(bodyOf(answer)).toEqual({ detail: 'Request headers too large' });
  });

  it('still serves the same request with its URL encoded', async () => {
    const answer = await send(
      `GET /api/health?q=${encodeURIComponent('принтер')} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`,
    );
    expect(answer).toMatch(/^HTTP\/1\.1 200 /);
  });
});
