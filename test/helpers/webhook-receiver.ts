import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
  /** The status this receiver answered with (undefined: it never answered). */
  status?: number;
}

/** How to answer one request: a status and headers/body, or `hang` (never answer). */
export type Answer = { status: number; headers?: Record<string, string>; body?: string } | 'hang';

/**
 * A real HTTP receiver on loopback: records every request, answers as `respond` says (200 by default).
 * Per-test paths keep tests apart: `url(path)`, `at(path)`.
 */
export class WebhookReceiver {
  readonly received: Received[] = [];
  private readonly hanging = new Set<ServerResponse>();
  private readonly answers = new Map<string, (index: number, request: Received) => Answer>();

  private constructor(private readonly server: Server) {}

  static async start(): Promise<WebhookReceiver> {
    const receiver: WebhookReceiver = new WebhookReceiver(
      createServer((request, response) => {
        const chunks: Buffer[] = [];
        request.on('data', (chunk: Buffer) => chunks.push(chunk));
        request.on('end', () => receiver.answer(request.url ?? '/', request.headers, chunks, response));
      }),
    );
    await new Promise<void>((resolve) => receiver.server.listen(0, '127.0.0.1', resolve));
    return receiver;
  }

  private answer(path: string, headers: IncomingHttpHeaders, chunks: Buffer[], response: ServerResponse): void {
    const received: Received = { path, headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() };
    const index = this.at(path).length;
    this.received.push(received);
    const answer = this.answers.get(path)?.(index, received) ?? { status: 200, body: 'ok' };
    if (answer === 'hang') {
      this.hanging.add(response);
      return;
    }
    received.status = answer.status;
    response.writeHead(answer.status, { 'content-type': 'text/plain', ...answer.headers });
    response.end(answer.body ?? '');
  }

  /** How to answer the `index`th request (from 0) to `path`; 200 "ok" when not said. */
  on(path: string, answer: (index: number, request: Received) => Answer): void {
    this.answers.set(path, answer);
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  at(path: string): Received[] {
    return this.received.filter((request) => request.path === path);
  }

  async close(): Promise<void> {
    for (const response of this.hanging) response.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
