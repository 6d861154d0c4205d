// Endpoint text is "ip:port"; IPv6 is written "[addr]:port" (RFC 5952 compressed) so that the
// original's "ip:port" convention stays unambiguous (Kazoo split at the first ':').
import { isIPv6 } from 'node:net';

export interface Endpoint {
  host: string; // IPv4 dotted, IPv6 canonical (no brackets), or opaque text (masked logs)
  port?: number;
}

export function formatEndpoint(e: Endpoint): string {
  const host = e.host.includes(':') ? `[${e.host}]` : e.host;
  return e.port === undefined ? host : `${host}:${e.port}`;
}

/** Parse "1.2.3.4:5060", "[::1]:5060", "host", "[::1]"; canonicalises IPv6. */
export function parseEndpoint(text: string): Endpoint | undefined {
  const t = text.trim();
  if (t === '') return undefined;
  let m = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(t);
  if (m) return withPort(canonicalHost(m[1]!), m[2]);
  if (isIpv6Text(t)) return { host: canonicalHost(t) };
  m = /^([^:\s]+):(\d{1,5})$/.exec(t);
  if (m) return withPort(m[1]!, m[2]);
  if (/^[^:\s]+$/.test(t)) return { host: t };
  return undefined;
}

function withPort(host: string, port: string | undefined): Endpoint {
  if (port === undefined) return { host };
  const n = Number(port);
  return n >= 0 && n <= 65535 ? { host, port: n } : { host };
}

/**
 * node:net's isIPv6, after the two colons ("::") any IPv6 text has: its first call compiles a
 * large pattern, a few ms of every `show` of an IPv4-only call.
 */
function isIpv6Text(text: string): boolean {
  return text.indexOf(':') !== text.lastIndexOf(':') && isIPv6(text);
}

export function canonicalHost(host: string): string {
  if (!isIpv6Text(host)) return host;
  return formatIpv6(parseIpv6Words(host));
}

export function formatIpv4(b: Uint8Array, off = 0): string {
  return `${b[off]}.${b[off + 1]}.${b[off + 2]}.${b[off + 3]}`;
}

/** RFC 5952: lowercase, longest run of ≥2 zero words compressed, IPv4-mapped kept dotted. */
export function formatIpv6Bytes(b: Uint8Array, off = 0): string {
  const words: number[] = [];
  for (let i = 0; i < 8; i++) words.push((b[off + 2 * i]! << 8) | b[off + 2 * i + 1]!);
  return formatIpv6(words);
}

function formatIpv6(words: number[]): string {
  if (words.slice(0, 5).every((w) => w === 0) && words[5] === 0xffff) {
    return `::ffff:${words[6]! >> 8}.${words[6]! & 255}.${words[7]! >> 8}.${words[7]! & 255}`;
  }
  let bestStart = -1, bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  const hex = words.map((w) => w.toString(16));
  if (bestStart < 0) return hex.join(':');
  const head = hex.slice(0, bestStart).join(':');
  const tail = hex.slice(bestStart + bestLen).join(':');
  return `${head}::${tail}`;
}

/** The 16 bytes of an IPv6 address in text form (a zone suffix such as `%eth0` is dropped). */
export function ipv6Bytes(text: string): Uint8Array {
  const bytes = new Uint8Array(16);
  const words = parseIpv6Words(text);
  for (let i = 0; i < 8; i++) { bytes[2 * i] = words[i]! >> 8; bytes[2 * i + 1] = words[i]! & 255; }
  return bytes;
}

function parseIpv6Words(text: string): number[] {
  let t = text.toLowerCase();
  const zone = t.indexOf('%');
  if (zone >= 0) t = t.slice(0, zone);
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(t);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    t = t.slice(0, dotted.index) + ((a << 8) | b).toString(16) + ':' + ((c << 8) | d).toString(16);
  }
  const parts = (s: string) => (s ? s.split(':').map((x) => parseInt(x, 16) || 0) : []);
  const gap = t.indexOf('::');
  if (gap < 0) return [...parts(t), 0, 0, 0, 0, 0, 0, 0, 0].slice(0, 8);
  const head = parts(t.slice(0, gap));
  const tail = parts(t.slice(gap + 2));
  const fill = Math.max(0, 8 - head.length - tail.length);
  return [...head, ...new Array<number>(fill).fill(0), ...tail].slice(0, 8);
}
