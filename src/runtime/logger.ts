import { hostname } from 'node:os';
import type { Config } from '../config.js';
import { currentRequestId } from '../lib/request-context.js';

export type Role = 'api' | 'worker';

/**
 * pino options: human-readable lines in a terminal, JSON lines everywhere else (log collectors parse them).
 * Every line says which kind of process wrote it. Lines written for a request's work carry its `reqId`: in a
 * worker, those of a job the request queued; in the API, those of any logger (a service's, an in-process
 * job's) while it is handled. The request's own logger already has the binding, so it is not added twice.
 */
export function loggerOptions(config: Config, role: Role) {
  const common = {
    level: config.logLevel,
    base: { pid: process.pid, hostname: hostname(), role },
    mixin: requestBinding,
  };
  return process.stdout.isTTY
    ? { ...common, transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss' } } }
    : common;
}

function requestBinding(_object: object, _level: number, logger: { bindings(): { reqId?: unknown } }) {
  const reqId = currentRequestId();
  return reqId && logger.bindings().reqId === undefined ? { reqId } : {};
}

/** Query parameters whose value must never reach a log: the live stream's `access_token` (a bearer token). */
const SECRET_PARAMS = /([?&]access_token=)[^&#]*/gi;

/** A URL as it may be logged: secrets in its query replaced. */
export function redactUrl(url: string): string {
  return url.replace(SECRET_PARAMS, '$1[redacted]');
}

interface LoggedRequest {
  method: string;
  url: string;
  host?: string;
  ip?: string;
  socket?: { remotePort?: number };
}

/** Fastify's request serializer (method, url, host, address, port), with the URL redacted. */
export function serializeRequest(request: LoggedRequest) {
  return {
    method: request.method,
    url: redactUrl(request.url),
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}
