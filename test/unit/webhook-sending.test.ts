import { Webhook as StandardWebhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { isForbiddenAddress, RefusedAddress, resolveTarget } from '../../src/webhooks/address-policy.js';
import { verdict } from '../../src/webhooks/retry-policy.js';
import { postWebhook, retryAfterSeconds, type WebhookResponse } from '../../src/webhooks/webhook-client.js';
import { newSecret, secretKey, signedHeaders } from '../../src/webhooks/webhook-signature.js';
import { WebhookReceiver } from '../helpers/webhook-receiver.js';

describe('the address check', () => {
  it('refuses loopback, private, link-local, metadata and unroutable addresses, in every spelling', () => {
    for (const address of [
      '127.0.0.1',
      '127.5.6.7',
      '10.0.0.1',
      '172.16.0.1',
      '172.31.255.255',
      '192.168.1.1',
      '169.254.169.254',
      '100.100.100.200',
      '0.0.0.0',
      '255.255.255.255',
      '224.0.0.1',
      '::1',
      '::',
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
      '::ffff:a9fe:a9fe',
      '64:ff9b::a00:1',
      'fe80::1',
      'fe80::1%eth0',
      'fd00:ec2::254',
      'fc00::1',
      'ff02::1',
      'not an address',
    ]) {
      expect(isForbiddenAddress(address), address).toBe(true);
    }
  });

  it('lets public addresses through', () => {
    for (const address of ['8.8.8.8', '1.1.1.1', '172.32.0.1', '::ffff:8.8.8.8', '2606:4700:4700::1111']) {
      expect(isForbiddenAddress(address), address).toBe(false);
    }
  });

  it('resolves a name once and refuses it when any answer is private, unless allowed', async () => {
    await expect(resolveTarget('localhost', false)).rejects.toBeInstanceOf(RefusedAddress);
    await expect(resolveTarget('[::1]', false)).rejects.toBeInstanceOf(RefusedAddress);
    await expect(resolveTarget('127.0.0.1', true)).resolves.toEqual({ address: '127.0.0.1', family: 4 });
    await expect(resolveTarget('[::1]', true)).resolves.toEqual({ address: '::1', family: 6 });
  });
});

describe('the connection', () => {
  it('goes to the address that was checked, never to a new lookup of the name (DNS rebinding)', async () => {
    const receiver = await WebhookReceiver.start();
    try {
      // A name that resolves nowhere: only the checked address can be what the request connects to.
      const url = new URL(`http://hooks.example.invalid:${receiver.port}/pinned`);
      const answer = await postWebhook({
        url,
        target: { address: '127.0.0.1', family: 4 },
        headers: { 'content-type': 'application/json' },
        body: '{}',
        timeoutMs: 5_000,
      });
      expect(answer.status).toBe(200);
      const [request] = receiver.at('/pinned');
      // The receiver still sees the name it is known by.
      expect(request?.headers.host).toBe(`hooks.example.invalid:${receiver.port}`);
    } finally {
      await receiver.close();
    }
  });
});

describe('signatures', () => {
  it('generates whsec_ secrets of 32 bytes and refuses what is not one', () => {
    const secret = newSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(secretKey(secret)).toHaveLength(32);
    expect(secretKey('whsec_short')).toBeUndefined();
    expect(secretKey(`whsec_${Buffer.alloc(65).toString('base64')}`)).toBeUndefined();
    expect(secretKey(secret.slice('whsec_'.length))).toBeUndefined();
  });

  it('signs as the standardwebhooks package verifies', () => {
    const secret = newSecret();
    const body = '{"type":"ticket.created","timestamp":"2026-12-05T10:00:00.000Z","data":{"ticket_id":1}}';
    const now = Math.floor(Date.now() / 1000);
    const headers = signedHeaders(secret, 'msg_1', now, body);
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(new StandardWebhook(secret).verify(body, { ...headers })).toMatchObject({ type: 'ticket.created' });
    expect(() => new StandardWebhook(newSecret()).verify(body, { ...headers })).toThrow();
  });
});

describe('what an attempt means', () => {
  const answer = (status: number, retryAfter?: number): WebhookResponse => ({
    status,
    retryAfterSeconds: retryAfter,
    location: undefined,
    body: '',
  });
  const schedule = [5_000, 300_000];

  it('delivered on 2xx; retried on 408, 429, 5xx and connection errors; failed at once on other 4xx and 3xx', () => {
    expect(verdict(answer(204), undefined, 0, schedule)).toEqual({ kind: 'delivered' });
    for (const status of [408, 429, 500, 503]) {
      expect(verdict(answer(status), undefined, 0, schedule)).toMatchObject({ kind: 'retry', inMs: 5_000 });
    }
    expect(verdict(undefined, 'ECONNREFUSED', 1, schedule)).toEqual({
      kind: 'retry',
      inMs: 300_000,
      error: 'ECONNREFUSED',
    });
    for (const status of [400, 401, 404, 410, 301, 302]) {
      expect(verdict(answer(status), undefined, 0, schedule).kind).toBe('failed');
    }
  });

  it('fails when the schedule is used up, and waits for a longer Retry-After (capped at a day)', () => {
    expect(verdict(answer(500), undefined, 2, schedule).kind).toBe('failed');
    expect(verdict(answer(429, 60), undefined, 0, schedule)).toMatchObject({ inMs: 60_000 });
    expect(verdict(answer(429, 1), undefined, 0, schedule)).toMatchObject({ inMs: 5_000 });
    expect(verdict(answer(429, 10 ** 9), undefined, 0, schedule)).toMatchObject({ inMs: 86_400_000 });
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2026-12-05T10:00:00Z');
    expect(retryAfterSeconds('120', now)).toBe(120);
    expect(retryAfterSeconds('Sat, 05 Dec 2026 10:01:00 GMT', now)).toBe(60);
    expect(retryAfterSeconds('soon', now)).toBeUndefined();
    expect(retryAfterSeconds(undefined, now)).toBeUndefined();
  });
});
