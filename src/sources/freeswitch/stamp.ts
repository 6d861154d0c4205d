// The sofia-sip trace stamp (tport_stamp in tport_logging.c, FORMATS.md §8.1):
//   <dir> <N> bytes <prep> <proto>/[<ip>]:<port>[/<flowinfo>][;comp=sigcomp] at HH:MM:SS.uuuuuu:
// dir is recv/send in the log trace and recv/sent in the dump file (§8.2 G).
import { canonicalHost, type Endpoint } from '../../model/address.js';
import { ownText } from '../../model/text.js';

export type StampDirection = 'recv' | 'send';

export interface Stamp {
  /** As seen by FreeSWITCH: recv = the peer sent it, send = FreeSWITCH sent it ("sent" in dump files). */
  dir: StampDirection;
  /** The word as written (recv, send, sent). */
  word: string;
  /** Size of the SIP message in bytes, as sofia-sip counted it. */
  bytes: number;
  /** Lowercase transport token: udp, tcp, tls, ws, wss, sctp (others kept as written). */
  proto: string;
  /** The peer: IPv4, canonical IPv6, or opaque text (masked logs). */
  peer: Endpoint;
  flowinfo?: number;
  sigcomp: boolean;
  /** Time of day only: microseconds since midnight. */
  todUs: number;
  /** Where the stamp starts and ends in the line it was found in. */
  index: number;
  end: number;
}

// Not anchored: a stamp may follow a line prefix (Call-ID, counter, syslog head). The host is
// whatever sits in the brackets so that masked addresses (XX.XX.XX.XXX1) still parse.
const STAMP = /(recv|send|sent) (\d+) bytes (from|to) ([A-Za-z][A-Za-z0-9+.-]*)\/\[([^\]\s]+)\]:(\d{1,5})(?:\/(\d+))?(;comp=sigcomp)? at (\d\d):(\d\d):(\d\d)\.(\d{1,9}):/;

/** Microseconds since midnight from h, m, s and a fraction of any length (truncated to µs). */
export function todMicros(h: number, m: number, s: number, frac: string): number {
  return ((h * 60 + m) * 60 + s) * 1_000_000 + Number(frac.slice(0, 6).padEnd(6, '0'));
}

// A trace talks to a few peers: each host text is canonicalised once (node's IPv6 check alone
// cost more than the rest of the stamp), up to a bound.
const HOST_CACHE_MAX = 4096;
const hostCache = new Map<string, string>();

function peerHost(text: string): string {
  let host = hostCache.get(text);
  if (host === undefined) {
    // Kept and handed on: a copy, not a slice of the input piece's text (model/text.ts).
    const own = ownText(text);
    host = canonicalHost(own);
    if (hostCache.size >= HOST_CACHE_MAX) hostCache.clear();
    hostCache.set(own, host);
  }
  return host;
}

export function findStamp(line: string): Stamp | undefined {
  const m = STAMP.exec(line);
  if (!m) return undefined;
  const word = m[1]!;
  const dir: StampDirection = word === 'recv' ? 'recv' : 'send';
  // recv goes with "from", send/sent with "to": anything else is not a stamp.
  if ((dir === 'recv') !== (m[3] === 'from')) return undefined;
  const h = Number(m[9]), mi = Number(m[10]), s = Number(m[11]);
  if (h > 23 || mi > 59 || s > 60) return undefined;
  const port = Number(m[6]);
  if (port > 65535) return undefined;
  const stamp: Stamp = {
    dir,
    word,
    bytes: Number(m[2]),
    proto: ownText(m[4]!.toLowerCase()),
    peer: { host: peerHost(m[5]!), port },
    sigcomp: m[8] !== undefined,
    todUs: todMicros(h, mi, s, m[12]!),
    index: m.index,
    end: m.index + m[0].length,
  };
  if (m[7] !== undefined) stamp.flowinfo = Number(m[7]);
  return stamp;
}
