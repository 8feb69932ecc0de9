import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

const load = (env: Record<string, string>) =>
  loadConfig({ DATA_DIR: mkdtempSync(path.join(tmpdir(), 'sd-cfg-')), ...env });

describe('config: limits and the client address', () => {
  it('has every limit on by default, each with its own setting', () => {
    expect(load({}).limits).toEqual({
      enabled: true,
      loginPerAddressPerMinute: 20,
      loginFailuresPerAccount: 10,
      loginFailuresPerAccountAllAddresses: 100,
      signupsPerAddressPerHour: 10,
      ticketsPerUserPerHour: 30,
      messagesPerUserPerHour: 300,
    });
    expect(load({ RATE_LIMITS: 'off' }).limits.enabled).toBe(false);
    expect(load({ RATE_LIMITS: 'on', SIGNUP_LIMIT_PER_HOUR: '50' }).limits).toMatchObject({
      enabled: true,
      signupsPerAddressPerHour: 50,
    });
  });

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
    [{ RATE_LIMITS: 'maybe' }, /RATE_LIMITS/],
    [{ SIGNUP_LIMIT_PER_HOUR: '0' }, /SIGNUP_LIMIT_PER_HOUR/],
    [{ LOGIN_FAILURES_PER_ACCOUNT_ALL_ADDRESSES: 'many' }, /LOGIN_FAILURES_PER_ACCOUNT_ALL_ADDRESSES/],
    [{ REQUEST_TIMEOUT_SECONDS: '0' }, /REQUEST_TIMEOUT_SECONDS/],
    [{ REQUEST_TIMEOUT_SECONDS: '5', HEADERS_TIMEOUT_SECONDS: '10' }, /HEADERS_TIMEOUT_SECONDS/],
  ])('stops on a bad limit or timeout: %o', (env, key) => {
    expect(() => load(env)).toThrow(key);
  });

  it('sets both timeouts, in milliseconds', () => {
    expect(load({ REQUEST_TIMEOUT_SECONDS: '60', HEADERS_TIMEOUT_SECONDS: '15' }).http).toMatchObject({
      requestTimeoutMs: 60_000,
      headersTimeoutMs: 15_000,
    });
  });
});
