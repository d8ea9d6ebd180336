/**
 * SSRF guard for merchant webhook URLs: outside the local stage we never connect to a private,
 * loopback, link-local (the instance metadata service at 169.254.169.254 / fd00:ec2::254),
 * carrier-grade NAT, multicast or reserved address — IPv4, IPv6, and IPv4 inside IPv6
 * (::ffff:a.b.c.d, NAT64 64:ff9b::/96). The poster resolves the name itself and connects to the
 * very address it checked, so a DNS answer that changes in between cannot slip through.
 */
import { isIPv4, isIPv6 } from 'node:net';

const IPV4_BLOCKED: ReadonlyArray<[string, number]> = [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, instance metadata
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation
  ['203.0.113.0', 24], // documentation
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
];

function ipv4Number(address: string): number {
  return address.split('.').reduce((n, part) => n * 256 + Number(part), 0);
}

function ipv4Blocked(address: string): boolean {
  const n = ipv4Number(address);
  return IPV4_BLOCKED.some(([base, bits]) => {
    const size = 2 ** (32 - bits);
    return Math.floor(n / size) === Math.floor(ipv4Number(base) / size);
  });
}

/** The eight 16-bit groups of an IPv6 address (`::` expanded, a trailing dotted quad converted). */
export function ipv6Groups(address: string): number[] {
  let text = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const quad = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (quad) {
    const n = ipv4Number(quad[1]!);
    text = `${text.slice(0, -quad[1]!.length)}${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const parse = (part: string) => (part ? part.split(':').map((g) => parseInt(g, 16)) : []);
  const front = parse(head);
  const back = tail === undefined ? [] : parse(tail);
  return [...front, ...new Array<number>(8 - front.length - back.length).fill(0), ...back];
}

function embeddedIpv4(groups: number[]): string {
  const [hi = 0, lo = 0] = groups.slice(6);
  return [hi >> 8, hi & 255, lo >> 8, lo & 255].join('.');
}

function ipv6Blocked(address: string): boolean {
  const g = ipv6Groups(address);
  const [first = 0] = g;
  const zeroUntil = (n: number) => g.slice(0, n).every((x) => x === 0);
  if (zeroUntil(7) && (g[7] === 0 || g[7] === 1)) return true; // :: and ::1
  if (zeroUntil(5) && g[5] === 0xffff) return ipv4Blocked(embeddedIpv4(g)); // IPv4-mapped
  if (zeroUntil(6)) return ipv4Blocked(embeddedIpv4(g)); // IPv4-compatible (deprecated)
  if (first === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0))
    return ipv4Blocked(embeddedIpv4(g)); // NAT64
  if ((first & 0xfe00) === 0xfc00) return true; // unique local, incl. fd00:ec2::254 (metadata)
  if ((first & 0xffc0) === 0xfe80) return true; // link-local
  if ((first & 0xffc0) === 0xfec0) return true; // site-local (deprecated)
  if ((first & 0xff00) === 0xff00) return true; // multicast
  if (first === 0x2001 && g[1] === 0x0db8) return true; // documentation
  return false;
}

/** True when a webhook must never be sent to this IP address (or it is not an IP address). */
export function isForbiddenAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '');
  if (isIPv4(bare)) return ipv4Blocked(bare);
  if (isIPv6(bare)) return ipv6Blocked(bare);
  return true;
}
