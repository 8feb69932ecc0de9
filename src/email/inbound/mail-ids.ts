import { createHash } from 'node:crypto';

/** PostgreSQL text cannot hold NUL; mail bodies sometimes do. */
export const cleanText = (text: string) => text.replaceAll('\u0000', '');

/** Message-IDs are indexed: an absurdly long one is replaced by a stable digest of itself. */
export function indexableId(id: string): string {
  return id.length <= 250 ? id : `<${createHash('sha256').update(id).digest('hex')}@long-id.invalid>`;
}

/** The id of a mail we could not read a Message-ID from: a digest of its bytes, the same on every fetch. */
export function derivedId(raw: Buffer): string {
  return `<${createHash('sha256').update(raw).digest('hex')}@derived.invalid>`;
}
