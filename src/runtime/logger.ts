import type { Config } from '../config.js';

/** pino options: human-readable lines in a terminal, JSON lines everywhere else (log collectors parse them). */
export function loggerOptions(config: Config) {
  return process.stdout.isTTY
    ? { level: config.logLevel, transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss' } } }
    : { level: config.logLevel };
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
