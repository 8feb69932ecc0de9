import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { SseStream } from '../../src/live/sse-stream.js';

/** A response whose client never reads: every write is buffered and reported as over the mark. */
class StalledResponse extends EventEmitter {
  writableLength = 0;
  destroyed = false;
  written: string[] = [];
  write(chunk: string | Buffer): boolean {
    this.written.push(chunk.toString());
    this.writableLength += Buffer.byteLength(chunk);
    return false;
  }
  end(): void {
    this.emit('close');
  }
  destroy(): void {
    this.destroyed = true;
    this.emit('close');
  }
}

describe('SseStream', () => {
  it('writes messages in the SSE format (id, event, one data line) and comments', () => {
    const raw = new StalledResponse();
    const stream = new SseStream(raw as unknown as ServerResponse);
    stream.message(7, 'ticket.updated', '{"a":1}');
    stream.message(undefined, 'reset', '{}');
    stream.comment('ping');
    expect(raw.written).toEqual([
      'id: 7\nevent: ticket.updated\ndata: {"a":1}\n\n',
      'event: reset\ndata: {}\n\n',
      ': ping\n\n',
    ]);
  });

  it('drops a client that stopped reading once more than the bound waits, and writes nothing more', () => {
    const raw = new StalledResponse();
    const stream = new SseStream(raw as unknown as ServerResponse, 1_000);
    for (let i = 0; i < 100; i += 1) stream.message(i, 'ticket.updated', 'x'.repeat(100));
    expect(raw.destroyed).toBe(true);
    expect(stream.closed).toBe(true);
    // Memory stays bounded: writes stop at the first one past the bound.
    expect(raw.writableLength).toBeLessThan(1_000 + 200);
  });
});
