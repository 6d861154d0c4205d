// Just enough SDP (RFC 4566, RFC 3264) for media findings: connection addresses, media lines with
// their payload types and rtpmap names, and the direction attribute.

export type Direction = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

export interface SdpMedia {
  type: string;
  port: number;
  proto: string;
  payloads: string[];
  /** Payload type → encoding name ("PCMU/8000"); static types get their RFC 3551 names. */
  codecs: string[];
  connection?: string;
  direction: Direction;
}

export interface Sdp {
  /** Session-level c= address. */
  connection?: string;
  media: SdpMedia[];
}

import { splitLines } from './lines.js';

// RFC 3551 table 4/5 static payload types that appear in practice.
const STATIC: Record<string, string> = {
  '0': 'PCMU/8000', '3': 'GSM/8000', '4': 'G723/8000', '8': 'PCMA/8000', '9': 'G722/8000',
  '13': 'CN/8000', '18': 'G729/8000', '2': 'G726-32/8000',
};

const RTPMAP = /^rtpmap:(\d+)\s+(\S+)/;

export function parseSdp(text: string): Sdp {
  const sdp: Sdp = { media: [] };
  let sessionDir: Direction = 'sendrecv';
  let cur: (SdpMedia & { rtpmap: Map<string, string>; dirSet: boolean }) | undefined;
  const all: (typeof cur)[] = [];
  for (const rawLine of splitLines(text)) {
    const line = rawLine.trim();
    if (line.length < 2 || line[1] !== '=') continue;
    const k = line[0], v = line.slice(2).trim();
    if (k === 'm') {
      const [type = '', port = '0', proto = '', ...payloads] = v.split(/\s+/);
      cur = { type, port: Number(port.split('/')[0]), proto, payloads, codecs: [], direction: sessionDir, rtpmap: new Map(), dirSet: false };
      all.push(cur);
    } else if (k === 'c') {
      const addr = v.split(/\s+/)[2]?.split('/')[0];
      if (cur) cur.connection = addr; else sdp.connection = addr;
    } else if (k === 'a') {
      const dir = v === 'sendrecv' || v === 'sendonly' || v === 'recvonly' || v === 'inactive' ? v as Direction : undefined;
      if (dir) {
        if (cur) { cur.direction = dir; cur.dirSet = true; } else sessionDir = dir;
        continue;
      }
      const rm = v.startsWith('rtpmap:') ? RTPMAP.exec(v) : null;
      if (rm && cur) cur.rtpmap.set(rm[1]!, rm[2]!);
    }
  }
  for (const m of all) {
    if (!m) continue;
    if (!m.dirSet) m.direction = sessionDir;
    m.codecs = m.payloads.map((p) => m.rtpmap.get(p) ?? STATIC[p] ?? (m.proto.toUpperCase().includes('RTP') ? `PT${p}` : p));
    sdp.media.push({ type: m.type, port: m.port, proto: m.proto, payloads: m.payloads, codecs: m.codecs, connection: m.connection ?? sdp.connection, direction: m.direction });
  }
  return sdp;
}

/** The direction of the first audio (or first) stream; a 0.0.0.0 connection counts as hold (RFC 2543). */
export function sdpDirection(sdp: Sdp): Direction | undefined {
  const m = sdp.media.find((x) => x.type === 'audio') ?? sdp.media[0];
  if (!m) return undefined;
  if (m.connection === '0.0.0.0' && m.direction === 'sendrecv') return 'sendonly';
  return m.direction;
}

export function sdpCodecs(sdp: Sdp): string[] {
  return sdp.media.filter((m) => m.port !== 0).flatMap((m) => m.codecs.map((c) => `${m.type}:${c}`));
}
