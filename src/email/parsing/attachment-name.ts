/**
 * A file name from a mail is attacker-controlled (RFC 2183 §2.3 warns about it): it may hold a path
 * ("../../etc/passwd", "C:\\x"), control characters, bidirectional overrides that hide the real
 * extension ("invoice\u202Efdp.exe"), or be absurdly long. What we keep is safe to show and to store.
 */

const MAX_NAME = 200;
const MAX_EXTENSION = 16;

const EXTENSIONS: Record<string, string> = {
  'text/plain': 'txt',
  'text/html': 'html',
  'text/calendar': 'ics',
  'text/csv': 'csv',
  'text/rfc822-headers': 'txt',
  'message/rfc822': 'eml',
  'message/global': 'eml',
  'message/delivery-status': 'txt',
  'message/global-delivery-status': 'txt',
  'message/disposition-notification': 'txt',
  'message/feedback-report': 'txt',
  'application/pdf': 'pdf',
  'application/zip': 'zip',
  'application/ms-tnef': 'dat',
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/gif': 'gif',
  'image/webp': 'webp',
};

// Control characters, bidirectional controls and the characters Windows refuses in a file name.
const UNSAFE = /[\p{Cc}\u200e\u200f\u202a-\u202e\u2066-\u2069<>:"|?*]/gu;

function cutCodePoints(value: string, max: number): string {
  const points = Array.from(value);
  return points.length <= max ? value : points.slice(0, max).join('');
}

/** A default name for the `index`-th attachment (0-based), with an extension from its type. */
export function defaultAttachmentName(index: number, contentType: string): string {
  return `attachment-${index + 1}.${EXTENSIONS[contentType.toLowerCase()] ?? 'bin'}`;
}

/** A safe file name: the last path segment, cleaned, at most 200 characters, extension kept when cut. */
export function safeFilename(raw: string | null | undefined, index: number, contentType: string): string {
  const lastSegment = (raw ?? '').split(/[/\\]/).pop() ?? '';
  const cleaned = lastSegment
    .replace(UNSAFE, '')
    .replace(/\s+/gu, ' ')
    .trim()
    // A leading dot makes a hidden file, and "." or ".." is a directory.
    .replace(/^[.\s]+/u, '')
    .replace(/[.\s]+$/u, '');
  if (cleaned === '') return defaultAttachmentName(index, contentType);
  if (Array.from(cleaned).length <= MAX_NAME) return cleaned;
  const dot = cleaned.lastIndexOf('.');
  const extension = dot > 0 ? cleaned.slice(dot) : '';
  if (extension && Array.from(extension).length <= MAX_EXTENSION) {
    const stem = cutCodePoints(cleaned.slice(0, dot), MAX_NAME - Array.from(extension).length).trimEnd();
    return `${stem}${extension}`;
  }
  return cutCodePoints(cleaned, MAX_NAME).trimEnd();
}
