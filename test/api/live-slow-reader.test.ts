import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestContext, type TestUser } from '../helpers/context.js';
import { waitUntil } from '../helpers/wait.js';

/**
 * A live-stream client that stops reading, over a real TCP connection: once what waits for it passes the
 * bound (1 MiB in the process, after the kernel's socket buffers have filled), the server cuts it, and
 * the other streams carry on. (test/unit/sse-stream.test.ts checks the bound itself on a stand-in.)
 */

let ctx: TestContext;
let operator: TestUser;
let port: number;

beforeAll(async () => {
  ctx = await TestContext.create();
  operator = await ctx.newUser('operator');
  await ctx.app.listen({ host: '127.0.0.1', port: 0 });
  port = (ctx.app.server.address() as AddressInfo).port;
});
afterAll(async () => ctx.close());

/** A stream on a raw socket; `paused` stops reading it from the kernel (a client that hangs). */
async function rawStream(paused: boolean): Promise<{ socket: net.Socket; closed: Promise<void>; bytes: () => number }> {
  const socket = net.connect(port, '127.0.0.1');
  let bytes = 0;
  socket.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
  });
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.write(
    `GET /api/events/stream HTTP/1.1\r\nHost: x\r\nAuthorization: ${operator.auth.authorization}\r\nAccept: text/event-stream\r\n\r\n`,
  );
  await waitUntil(async () => bytes > 0);
  if (paused) socket.pause();
  return { socket, closed, bytes: () => bytes };
}

describe('a live stream whose client stops reading', () => {
  it('is cut once more than the bound waits for it; a reading stream goes on', { timeout: 60_000 }, async () => {
    const hung = await rawStream(true);
    const reading = await rawStream(false);
    expect(ctx.app.services.live.size).toBe(2);

    // Events of ~50 KB each (the ticket, description included, rides in every event): 10 MB in all, past
    // any loopback socket buffer and the 1 MiB bound.
    const owner = await ctx.newUser();
    const tickets = await Promise.all(
      Array.from({ length: 20 }, () => ctx.newTicket(owner, { description: 'x'.repeat(50_000) })),
    );
    for (let round = 0; round < 10; round++) {
      const res = await ctx.request({
        method: 'PATCH',
        url: '/api/tickets',
        headers: operator.auth,
        payload: { ids: tickets.map((t) => t.id), changes: { add_tags: [`round-${round}`] } },
      });
      expect(res.status).toBe(200);
    }

    await waitUntil(async () => ctx.app.services.live.size === 1, 30_000);
    // The reading stream got every event (10 MB and more); the hung one was cut without reading them.
    await waitUntil(async () => reading.bytes() > 10_000_000, 30_000);
    hung.socket.resume();
    await hung.closed;
    expect(hung.bytes()).toBeLessThan(reading.bytes());
    reading.socket.destroy();
  });
});
