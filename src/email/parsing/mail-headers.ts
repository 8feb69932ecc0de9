import type { AddressObject, EmailAddress, HeaderLines, HeaderValue } from 'mailparser';
import { parseMailDate } from './mail-date.js';

/** The top-level headers kept on `InboundMail.headers`: what loop and bounce detection read. */
export const KEPT_HEADERS = [
  'auto-submitted',
  'precedence',
  'x-autoreply',
  'x-autorespond',
  'x-auto-response-suppress',
  'list-id',
  'list-unsubscribe',
  'x-loop',
  'x-failed-recipients',
  'content-type',
] as const;
export type KeptHeader = (typeof KEPT_HEADERS)[number];

const CONTROL = /[\p{Cc}]+/gu;

/**
 * The raw values of a header, unfolded (RFC 5322 §2.2.3), in order. mailparser combines the `List-*`
 * headers into one object and turns address headers into objects, so the raw lines are the reliable
 * source for the machine-readable headers we check.
 */
export function rawHeaderValues(lines: HeaderLines, name: string): string[] {
  const values: string[] = [];
  for (const { key, line } of lines) {
    if (key !== name) continue;
    const colon = line.indexOf(':');
    const value = colon < 0 ? '' : line.slice(colon + 1);
    values.push(
      value
        .replace(/\r?\n[ \t]*/g, ' ')
        .replace(CONTROL, ' ')
        .trim(),
    );
  }
  return values;
}

export function rawHeader(lines: HeaderLines, name: string): string | null {
  const values = rawHeaderValues(lines, name);
  return values.length === 0 ? null : values.join(', ');
}

export function keptHeaders(lines: HeaderLines): Partial<Record<KeptHeader, string>> {
  const kept: Partial<Record<KeptHeader, string>> = {};
  for (const name of KEPT_HEADERS) {
    const value = rawHeader(lines, name);
    if (value !== null) kept[name] = value;
  }
  return kept;
}

function isAddressObject(value: unknown): value is AddressObject {
  return typeof value === 'object' && value !== null && Array.isArray((value as { value?: unknown }).value);
}

/** Mailboxes of an address header, groups flattened (RFC 5322 §3.4), in order. */
function mailboxes(value: HeaderValue | undefined): EmailAddress[] {
  const objects = (Array.isArray(value) ? value : [value]).filter(isAddressObject);
  const out: EmailAddress[] = [];
  const walk = (list: EmailAddress[]) => {
    for (const entry of list) {
      if (entry.group) walk(entry.group);
      else out.push(entry);
    }
  };
  for (const object of objects) walk(object.value);
  return out;
}

/** A plausible address: something without spaces or brackets. Lower-cased: we compare addresses. */
function cleanAddress(address: string | undefined): string | null {
  const a = (address ?? '').replace(CONTROL, '').trim().toLowerCase();
  return a === '' || /[\s<>,;"]/u.test(a) ? null : a;
}

export function firstMailbox(value: HeaderValue | undefined): { address: string; name: string } | null {
  for (const entry of mailboxes(value)) {
    const address = cleanAddress(entry.address);
    if (address) return { address, name: (entry.name ?? '').replace(CONTROL, ' ').replace(/\s+/gu, ' ').trim() };
  }
  return null;
}

export function addressList(value: HeaderValue | undefined): string[] {
  const out = new Set<string>();
  for (const entry of mailboxes(value)) {
    const address = cleanAddress(entry.address);
    if (address) out.add(address);
  }
  return [...out];
}

/**
 * Return-Path (RFC 5321 §4.4), the envelope sender the final server recorded: `''` for the null
 * sender `<>` that bounces and auto-replies use, `null` when the header is absent. The first one is the
 * one our server added; later ones may come from anywhere.
 */
export function returnPath(lines: HeaderLines): string | null {
  const values = rawHeaderValues(lines, 'return-path');
  if (values.length === 0) return null;
  const value = values[0] ?? '';
  const bracketed = /<([^<>]*)>/.exec(value);
  const inner = (bracketed ? (bracketed[1] ?? '') : value).trim();
  return /\s/u.test(inner) ? (inner.split(/\s+/u)[0] ?? '').toLowerCase() : inner.toLowerCase();
}

/** The Date header, or null when absent or unreadable (mailparser would give "now" instead). */
export function headerDate(lines: HeaderLines): Date | null {
  const raw = rawHeaderValues(lines, 'date')[0];
  return raw ? parseMailDate(raw) : null;
}
