import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

const load = (env: Record<string, string>) =>
  loadConfig({ DATA_DIR: mkdtempSync(path.join(tmpdir(), 'sd-cfg-')), ...env });

describe('config: the client address and timeouts', () => {
  it.each([
    ['false', false],
    ['true', true],
    ['TRUE', true],
    ['2', 2],
    ['10.0.0.1', ['10.0.0.1']],
    [' 10.0.0.1 , 10.1.0.0/16,fd00::/8 ', ['10.0.0.1', '10.1.0.0/16', 'fd00::/8']],
    ['loopback, uniquelocal', ['loopback', 'uniquelocal']],
  ])('takes TRUST_PROXY=%s in the forms Fastify knows', (value, expected) => {
    expect(load({ TRUST_PROXY: value }).http.trustProxy).toEqual(expected);
  });

  it.each([['yes'], ['10.0.0.300'], ['10.0.0.0/33'], ['10.0.0.1/8/9'], ['proxy.example.com']])(
    'stops on TRUST_PROXY=%s and names the key',
    (value) => {
      expect(() => load({ TRUST_PROXY: value })).toThrow(ConfigError);
      expect(() => load({ TRUST_PROXY: value })).toThrow(/TRUST_PROXY/);
    },
  );

  it.each([
    [{ REQUEST_TIMEOUT_SECONDS: '0' }, /REQUEST_TIMEOUT_SECONDS/],
    [{ REQUEST_TIMEOUT_SECONDS: '5', HEADERS_TIMEOUT_SECONDS: '10' }, /HEADERS_TIMEOUT_SECONDS/],
  ])('stops on a bad timeout: %o', (env, key) => {
    expect(() => load(env)).toThrow(key);
  });

  it('sets both timeouts, in milliseconds', () => {
    expect(load({ REQUEST_TIMEOUT_SECONDS: '60', HEADERS_TIMEOUT_SECONDS: '15' }).http).toMatchObject({
      requestTimeoutMs: 60_000,
      headersTimeoutMs: 15_000,
    });
  });
});
