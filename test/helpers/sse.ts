/** A Server-Sent Events message as a client sees it (comments are kept apart). */
export interface SseMessage {
  id: string | undefined;
  event: string;
  data: string;
}

/**
 * A live stream read with Node's fetch (app.inject cannot stream): messages and comments as they arrive, and
 * waits for the next one with a deadline.
 */
export class SseClient {
  readonly messages: SseMessage[] = [];
  readonly comments: string[] = [];
  ended = false;
  private waiters: (() => void)[] = [];

  private constructor(
    readonly response: Response,
    private readonly controller: AbortController,
  ) {}

  static async open(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
    const controller = new AbortController();
    const response = await fetch(url, { headers, signal: controller.signal });
    const client = new SseClient(response, controller);
    if (response.ok && response.body) void client.read(response.body);
    return client;
  }

  abort(): void {
    this.controller.abort();
  }

  /** Waits until `count` messages have arrived (at most `timeoutMs`), and returns them all. */
  async waitFor(count: number, timeoutMs = 1_000): Promise<SseMessage[]> {
    await this.until(() => this.messages.length >= count, timeoutMs);
    return this.messages;
  }

  async until(done: () => boolean, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out; messages so far: ${JSON.stringify(this.messages)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter();
  }

  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of body) {
        buffer += decoder.decode(chunk, { stream: true });
        let end = buffer.indexOf('\n\n');
        while (end >= 0) {
          this.parse(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
          end = buffer.indexOf('\n\n');
        }
        this.notify();
      }
    } catch {
      // Aborted by the test, or cut by the server: either way the stream is over.
    }
    this.ended = true;
    this.notify();
  }

  private parse(block: string): void {
    const message: SseMessage = { id: undefined, event: 'message', data: '' };
    let isMessage = false;
    for (const line of block.split('\n')) {
      if (line.startsWith(': ')) this.comments.push(line.slice(2));
      const [field, ...rest] = line.split(': ');
      const value = rest.join(': ');
      if (field === 'id') message.id = value;
      if (field === 'event') message.event = value;
      if (field === 'data') message.data = value;
      if (field === 'id' || field === 'event' || field === 'data') isMessage = true;
    }
    if (isMessage) this.messages.push(message);
  }
}
