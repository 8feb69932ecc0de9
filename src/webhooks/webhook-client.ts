import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import type { Target } from './address-policy.js';

/** What is kept of a receiver's answer. */
export const MAX_RESPONSE_BYTES = 64 * 1024;

export interface WebhookResponse {
  status: number;
  /** Seconds from a `Retry-After` header (seconds or an HTTP date), when it had one. */
  retryAfterSeconds: number | undefined;
  location: string | undefined;
  /** The body's first 64 KiB, as text. */
  body: string;
}

export interface WebhookRequest {
  url: URL;
  target: Target;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
}

/** A lookup that answers the address already checked, whatever the name: the connection cannot re-resolve. */
function pinnedLookup(target: Target): LookupFunction {
  return (_hostname, options, callback) => {
    if (options.all) callback(null, [{ address: target.address, family: target.family }]);
    else callback(null, target.address, target.family);
  };
}

export function retryAfterSeconds(header: string | undefined, now = Date.now()): number | undefined {
  if (!header) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim());
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - now) / 1000));
}

/** Reads at most MAX_RESPONSE_BYTES, then stops reading (the rest is not waited for). */
function readCapped(response: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    // PostgreSQL text holds no NUL: an answer with one is kept without it.
    const done = () =>
      resolve(Buffer.concat(chunks).subarray(0, MAX_RESPONSE_BYTES).toString('utf8').replaceAll('\0', ''));
    response.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= MAX_RESPONSE_BYTES) {
        response.destroy();
        done();
      }
    });
    response.on('end', done);
    response.on('error', reject);
  });
}

/**
 * One POST, to the checked address only, no redirects followed (Node's client never follows them), no
 * connection reuse. Rejects on connection errors and when the whole exchange takes over `timeoutMs`.
 */
export function postWebhook(request: WebhookRequest): Promise<WebhookResponse> {
  const { url, target, timeoutMs } = request;
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const outgoing = client.request(url, {
      method: 'POST',
      agent: false,
      lookup: pinnedLookup(target),
      headers: { ...request.headers, 'content-length': String(Buffer.byteLength(request.body)) },
    });
    let answer: IncomingMessage | undefined;
    const timer = setTimeout(() => {
      const error = new Error(`no answer within ${timeoutMs / 1000} s`);
      answer?.destroy(error);
      outgoing.destroy(error);
    }, timeoutMs);
    outgoing.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    outgoing.on('response', (response) => {
      answer = response;
      readCapped(response)
        .then((body) => {
          clearTimeout(timer);
          resolve({
            status: response.statusCode ?? 0,
            retryAfterSeconds: retryAfterSeconds(header(response, 'retry-after')),
            location: header(response, 'location'),
            body,
          });
        })
        .catch((error: unknown) => {
          clearTimeout(timer);
          reject(error);
        });
    });
    outgoing.end(request.body);
  });
}

function header(response: IncomingMessage, name: string): string | undefined {
  const value = response.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
