import type { ServerResponse } from 'node:http';

/**
 * A stream's writes that may wait in memory: past this, a client that stopped reading is dropped rather
 * than buffered for (an operator's stream moves a few KiB a second at most).
 */
export const MAX_BUFFERED_BYTES = 1024 * 1024;

/** One Server-Sent Events response: messages, comments, and the end. Writes after the end are dropped. */
export class SseStream {
  private ended = false;

  constructor(
    private readonly raw: ServerResponse,
    private readonly maxBufferedBytes = MAX_BUFFERED_BYTES,
  ) {
    raw.on('close', () => {
      this.ended = true;
    });
  }

  get closed(): boolean {
    return this.ended || this.raw.destroyed;
  }

  /** Called once when the client goes away (or the stream is ended here). */
  onClose(listener: () => void): void {
    this.raw.on('close', listener);
  }

  /** `data` must be one line (JSON.stringify output is). */
  message(id: number | undefined, event: string, data: string): void {
    this.write(`${id === undefined ? '' : `id: ${id}\n`}event: ${event}\ndata: ${data}\n\n`);
  }

  comment(text: string): void {
    this.write(`: ${text}\n\n`);
  }

  end(): void {
    if (this.closed) return;
    this.ended = true;
    this.raw.end();
  }

  private write(chunk: string): void {
    if (this.closed) return;
    // `write` returning false only says the socket's buffer is past its mark; what matters is how much
    // waits: past the bound the client is not keeping up, and the connection is cut (it may reconnect with
    // Last-Event-ID and replay from the table).
    if (!this.raw.write(chunk) && this.raw.writableLength > this.maxBufferedBytes) {
      this.ended = true;
      this.raw.destroy();
    }
  }
}
