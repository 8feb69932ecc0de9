import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/**
 * Where a webhook may send: not to this machine, its private networks, link-local addresses (cloud metadata
 * services live at 169.254.169.254 and fd00:ec2::254) or addresses that are no one's. Checked at send time on
 * the address the connection will use (resolved once, then connected to as is), so a name that resolves to a
 * public address when the webhook is saved and to 127.0.0.1 later (DNS rebinding) is refused.
 */
const blocked = new BlockList();
for (const [network, bits] of [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT (and Alibaba's metadata service)
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) {
  blocked.addSubnet(network, bits, 'ipv4');
}
for (const [network, bits] of [
  ['fc00::', 7], // unique local (fd00:ec2::254 among them)
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
  ['2001:db8::', 32], // documentation
  ['100::', 64], // discard
] as const) {
  blocked.addSubnet(network, bits, 'ipv6');
}

/** An IPv6 address's 16 bytes (`::` expanded, a dotted IPv4 tail read). */
function ipv6Bytes(address: string): number[] {
  let text = address.toLowerCase().replace(/%.*$/, '');
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted?.[1]) {
    const [a, b, c, d] = dotted[1].split('.').map(Number) as [number, number, number, number];
    text = `${text.slice(0, -dotted[1].length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const groups = (part: string) => (part === '' ? [] : part.split(':').map((group) => Number.parseInt(group, 16)));
  const front = groups(head);
  const back = tail === undefined ? [] : groups(tail);
  const all = [...front, ...new Array<number>(8 - front.length - back.length).fill(0), ...back];
  return all.flatMap((group) => [group >> 8, group & 0xff]);
}

/** The IPv4 address an IPv6 one stands for: mapped (::ffff:a.b.c.d), compatible (::a.b.c.d), NAT64 (64:ff9b::). */
function embeddedIpv4(bytes: number[]): string | undefined {
  const zeros = (from: number, to: number) => bytes.slice(from, to).every((byte) => byte === 0);
  const mapped = zeros(0, 10) && bytes[10] === 0xff && bytes[11] === 0xff;
  const compatible = zeros(0, 12);
  const nat64 = bytes[0] === 0 && bytes[1] === 0x64 && bytes[2] === 0xff && bytes[3] === 0x9b && zeros(4, 12);
  return mapped || compatible || nat64 ? bytes.slice(12).join('.') : undefined;
}

/** Whether a webhook may not connect to `address` (an IP literal) unless private networks are allowed. */
export function isForbiddenAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return blocked.check(address, 'ipv4');
  if (family !== 6) return true;
  const bytes = ipv6Bytes(address);
  const ipv4 = embeddedIpv4(bytes);
  if (ipv4 !== undefined) return blocked.check(ipv4, 'ipv4');
  return blocked.check(address.replace(/%.*$/, ''), 'ipv6');
}

export interface Target {
  address: string;
  family: 4 | 6;
}

export class RefusedAddress extends Error {}

/**
 * The one address to connect to for `hostname`: an IP literal as it is, else the first of its DNS answers.
 * Refused (unless `allowPrivate`) when it, or any other answer, is a forbidden address: a name must not be
 * able to pick a private one on a later lookup of the connection.
 */
export async function resolveTarget(hostname: string, allowPrivate: boolean): Promise<Target> {
  const literal = hostname.replace(/^\[|\]$/g, '');
  const answers = isIP(literal)
    ? [{ address: literal, family: isIP(literal) }]
    : await lookup(hostname, { all: true, verbatim: true });
  const first = answers[0];
  if (!first) throw new Error(`${hostname} has no address`);
  const forbidden = answers.find((answer) => isForbiddenAddress(answer.address));
  if (forbidden && !allowPrivate) {
    throw new RefusedAddress(
      `${hostname} resolves to ${forbidden.address}, a loopback, private or link-local address ` +
        '(WEBHOOK_ALLOW_PRIVATE_NETWORKS=true allows it)',
    );
  }
  return { address: first.address, family: first.family === 6 ? 6 : 4 };
}
