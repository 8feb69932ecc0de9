import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestContext } from '../helpers/context.js';

/**
 * While the server drains after SIGTERM, a request that still reaches it (the next one on a connection
 * busy when the drain began) is answered as usual, with `Connection: close` so the client reconnects: not
 * Fastify's own 503 `{"error", "message", "statusCode"}` without Retry-After, which is neither the API's
 * error shape nor an answer a client knows to retry (the soak's clients met ten in a restart under load).
 */

let ctx: TestContext;
beforeAll(async () => {
  ctx = await TestContext.create();
});
afterAll(async () => ctx.close().catch(() => undefined));

describe('a request during the shutdown drain', () => {
  it('is served, with Connection: close', async () => {
    await ctx.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = ctx.app.server.address() as AddressInfo;
    const socket = net.connect(port, '127.0.0.1');
    let received = '';
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString();
    });
    const ended = new Promise((resolve) => socket.on('close', resolve));
    await new Promise((resolve) => socket.once('connect', resolve));
    // A request under way (its body half sent) keeps the connection busy when the drain begins...
    const body = JSON.stringify({ username: 'nobody', password: 'not-the-password' });
    socket.write(
      `POST /api/auth/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 5)}`,
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    const closing = ctx.app.close();
    await new Promise((resolve) => setTimeout(resolve, 100));
    // ...then it completes, and the next request follows on the same connection.
    socket.write(`${body.slice(5)}GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n`);
    await ended;
    await closing;
    const answers = received.split(/(?=HTTP\/1\.1 )/);
    expect(answers).toHaveLength(2);
    const [, health] = answers;
    expect(health).toMatch(/^HTTP\/1\.1 200 /);
    expect(health).toMatch(/^connection: close\r$/im);
    expect(health).toContain('"status":"ok"');
  });
});
