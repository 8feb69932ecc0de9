import type { AuthVariant, CallerName, FuzzWorld } from './fuzz-world.js';
import type { ContractValidator, HttpMethod, Operation } from './openapi-document.js';

/** What the request generators produce and share: the request, its parts, and how text is sent. */

export const UNKNOWN_ROUTE = 'unknown route';
export const JSON_LIMIT = 1024 * 1024;
/** The login form's own cap (`@fastify/formbody` on /api/auth/token); README documents only the 1 MiB one. */
export const FORM_LIMIT = 16 * 1024;

export interface FuzzRequest {
  operation: string;
  method: HttpMethod;
  url: string;
  caller: CallerName;
  auth: AuthVariant;
  headers: Record<string, string>;
  payload: string | Buffer | undefined;
  remoteAddress: string;
  /** What was broken on purpose, for the report. */
  mutations: string[];
  /** Valid per the document, invalid (must not succeed), or unknown (the document does not say). */
  verdict: 'valid' | 'invalid' | 'unknown';
  why: string[];
  transport: {
    /** A %-escape the router cannot decode: its 400 comes before any route. */
    malformedUrl: boolean;
    /** A path segment over the router's 200-character limit: its 414 comes before any route. */
    longParam: boolean;
    badContentLength: boolean;
    bodyBytes: number;
    /** A body whose media type the operation does not document (a 415 is the right answer). */
    undocumentedMediaType: boolean;
  };
}

export interface GenContext {
  world: FuzzWorld;
  validator: ContractValidator;
  operations: Operation[];
}

export type Verdict = FuzzRequest['verdict'];

/** One part of a request (path, query, headers or body) and what was broken in it on purpose. */
export interface Part<T> {
  value: T;
  mutations: string[];
}

const UNRESERVED = /[A-Za-z0-9\-._~]/;

/** Percent-encodes every byte but the unreserved ones (lone surrogates become U+FFFD, as UTF-8 must). */
export function encodeText(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const char = String.fromCharCode(byte);
    out += byte < 0x80 && UNRESERVED.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** A value as the text a path, query or header carries. */
export function toText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return JSON.stringify(value) ?? '';
}

/** Header values must be visible Latin-1: anything else cannot be sent over HTTP/1.1 at all. */
export const headerSafe = (text: string) => text.replace(/[^\t\x20-\x7e\x80-\xff]/g, '?').slice(0, 8000);
