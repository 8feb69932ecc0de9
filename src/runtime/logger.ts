import type { Config } from '../config.js';

/** pino options: human-readable lines in a terminal, JSON lines everywhere else (log collectors parse them). */
export function loggerOptions(config: Config) {
  return process.stdout.isTTY
    ? { level: config.logLevel, transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss' } } }
    : { level: config.logLevel };
}
