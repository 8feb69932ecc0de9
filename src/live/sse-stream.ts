import type { ServerResponse } from 'node:http';

/**
 * A stream's writes that may wait in memory: past this, a client that stopped reading is dropped rather
 * than buffered for (an operator's stream moves a few KiB a second at most).
 */
export const MAX_BUFFERED_BYTES = 1024 * 1024;

/** What a message looks like on the wire. */
export interface SseMessage {
  id: number | undefined;
  type: string;
  /** One line (JSON.stringify output is). */
  data: string;
}

const frames = new WeakMap<SseMessage, Buffer>();

/**
 * A message's bytes, encoded once however many streams it goes to: a staff event fans out to every
 * operator's stream, and building and encoding its text per stream cost more than the writes (at 1,000
 * streams, about 1.5 MB of text per event).
 */
export function frameOf(message: SseMessage): Buffer {
  let frame = frames.get(message);
  if (!frame) {
    const { id, type, data } = message;
    frame = Buffer.from(`${id === undefined ? '' : `id: ${id}\n`}event: ${type}\ndata: ${data}\n\n`);
    frames.set(message, frame);
  }
  return frame;
}

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
    this.send({ id, type: event, data });
  }

  /** A message that may go to many streams: its bytes are encoded once (`frameOf`). */
  send(message: SseMessage): void {
    this.write(frameOf(message));
  }

  comment(text: string): void {
    this.write(`: ${text}\n\n`);
  }

  end(): void {
    if (this.closed) return;
    this.ended = true;
    this.raw.end();
  }

  private write(chunk: string | Buffer): void {
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
