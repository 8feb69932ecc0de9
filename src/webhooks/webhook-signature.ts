import { createHmac, randomBytes } from 'node:crypto';

/**
 * Standard Webhooks signing (https://www.standardwebhooks.com): secrets are `whsec_` + base64 of the key;
 * `webhook-signature` is `v1,` + base64 of HMAC-SHA256(key, "{webhook-id}.{webhook-timestamp}.{body}").
 */
export const SECRET_PREFIX = 'whsec_';

/** A new secret: 32 random bytes. */
export function newSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(32).toString('base64')}`;
}

/** The key inside a secret, or undefined when it is not `whsec_` + base64 of 24 to 64 bytes (the spec's range). */
export function secretKey(secret: string): Buffer | undefined {
  if (!secret.startsWith(SECRET_PREFIX)) return undefined;
  const text = secret.slice(SECRET_PREFIX.length);
  const key = Buffer.from(text, 'base64');
  // Buffer.from skips what is not base64; a secret must be exactly what it decodes from.
  if (key.toString('base64') !== text || key.length < 24 || key.length > 64) return undefined;
  return key;
}

export interface SignedHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

export function signedHeaders(
  secret: string,
  messageId: string,
  timestampSeconds: number,
  body: string,
): SignedHeaders {
  const key = secretKey(secret);
  if (!key) throw new Error('webhook secret is not whsec_ + base64');
  const signature = createHmac('sha256', key).update(`${messageId}.${timestampSeconds}.${body}`).digest('base64');
  return {
    'webhook-id': messageId,
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': `v1,${signature}`,
  };
}
