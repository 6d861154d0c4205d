// Real calls to replicate: read at generation time from ../shared/corpus and from the fixtures
// made with real Kamailio and sipp (never copied into the repo). SIP messages come out of pcaps
// through tshark (an independent dissector), and out of Kazoo's reference chunks; Kamailio log
// transactions come from the Kazoo-scheme logs the real Kamailio wrote (fixtures/kamailio).
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Peer {
  ip: string;
  port: number;
}

export interface TemplateMessage {
  /** Seconds after the call's first message. */
  dt: number;
  src: Peer;
  dst: Peer;
  /** The SIP message as sent (CRLF line ends). */
  text: string;
}

export interface SipTemplate {
  origin: string;
  callId: string;
  messages: TemplateMessage[];
}

export interface LogTemplate {
  origin: string;
  callId: string;
  /** Each line without its time stamp ("vm kamailio[1]: INFO: <script>: CALLID|start|…") and its offset. */
  lines: { dt: number; rest: string }[];
}

/** Longest call kept from a capture (the 26-minute auth loops of sngrep__aaa are compressed). */
const MAX_CALL_SECONDS = 120;

function compress(messages: TemplateMessage[]): TemplateMessage[] {
  const span = messages.length ? messages[messages.length - 1]!.dt : 0;
  if (span <= MAX_CALL_SECONDS) return messages;
  const k = MAX_CALL_SECONDS / span;
  return messages.map((m) => ({ ...m, dt: m.dt * k }));
}

function parsePeer(ip: string, port: string): Peer | undefined {
  const p = Number(port);
  if (!ip || !Number.isInteger(p)) return undefined;
  return { ip, port: p };
}

/** SIP calls of a pcap, dissected by tshark (UDP only: one datagram = one message). */
export function sipTemplatesFromPcap(path: string): SipTemplate[] {
  let out: string;
  try {
    out = execFileSync('tshark', ['-r', path, '-Y', 'sip && udp && !icmp && !icmpv6', '-T', 'fields', '-E', 'separator=\t',
      '-e', 'frame.time_epoch', '-e', 'ip.src', '-e', 'ipv6.src', '-e', 'udp.srcport', '-e', 'ip.dst', '-e', 'ipv6.dst', '-e', 'udp.dstport', '-e', 'udp.payload'],
    { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return [];
  }
  const byCall = new Map<string, TemplateMessage[]>();
  const t0 = new Map<string, number>();
  for (const line of out.split('\n')) {
    const f = line.split('\t');
    if (f.length < 8 || !f[7]) continue;
    const last = (s: string) => s.split(',').pop() ?? '';
    const src = parsePeer(last(f[1]!) || last(f[2]!), last(f[3]!));
    const dst = parsePeer(last(f[4]!) || last(f[5]!), last(f[6]!));
    if (!src || !dst) continue;
    const text = Buffer.from(f[7]!.replace(/:/g, ''), 'hex').toString('latin1');
    if (!/^(?:[A-Z]+ \S+ SIP\/2\.0|SIP\/2\.0 \d{3} )/.test(text)) continue;
    const m = /\r?\n(?:call-id|i)[ \t]*:[ \t]*([^\r\n]+)/i.exec(text);
    if (!m) continue;
    const callId = m[1]!.trim();
    const t = Number(f[0]);
    if (!t0.has(callId)) t0.set(callId, t);
    let list = byCall.get(callId);
    if (!list) { list = []; byCall.set(callId, list); }
    list.push({ dt: t - t0.get(callId)!, src, dst, text });
  }
  return [...byCall].map(([callId, messages]) => ({ origin: path, callId, messages: compress(messages) }));
}

/** Kazoo's reference data sets: each is one call seen by Kamailio and FreeSWITCH over HEP. */
export function sipTemplatesFromKazooChunks(path: string): SipTemplate[] {
  const doc = JSON.parse(readFileSync(path, 'utf8')) as Record<string, { input?: Record<string, unknown>[] }>;
  const out: SipTemplate[] = [];
  for (const set of Object.values(doc)) {
    const input = (set.input ?? []).filter((c) => Array.isArray(c.raw) && typeof c['call-id'] === 'string');
    if (input.length === 0) continue;
    const times = input.map((c) => Number(c.ref_timestamp));
    const t0 = Math.min(...times);
    const messages: TemplateMessage[] = [];
    for (const c of input) {
      const [sh, sp] = splitEndpoint(String(c.src ?? ''));
      const [dh, dp] = splitEndpoint(String(c.dst ?? ''));
      const src = parsePeer(sh, sp), dst = parsePeer(dh, dp);
      if (!src || !dst) continue;
      const lines = (c.raw as string[]).map(String);
      // The original kept the header lines without the blank line before the body.
      const blank = lines.indexOf('');
      const head = blank >= 0 ? lines.slice(0, blank) : lines;
      const body = blank >= 0 ? lines.slice(blank + 1).join('\r\n') : '';
      const fixed = head.filter((l) => !/^content-length\s*:/i.test(l));
      fixed.push(`Content-Length: ${Buffer.byteLength(body)}`);
      messages.push({ dt: Number(c.ref_timestamp) - t0, src, dst, text: fixed.join('\r\n') + '\r\n\r\n' + body });
    }
    messages.sort((a, b) => a.dt - b.dt);
    out.push({ origin: path, callId: String(input[0]!['call-id']), messages: compress(messages) });
  }
  return out;
}

function splitEndpoint(s: string): [string, string] {
  const v6 = /^\[([^\]]+)\]:(\d+)$/.exec(s);
  if (v6) return [v6[1]!, v6[2]!];
  const i = s.lastIndexOf(':');
  return i > 0 ? [s.slice(0, i), s.slice(i + 1)] : [s, '5060'];
}

const RFC3339_PREFIX = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)) (.*)$/;
const KAZOO_LINE = /<script>: ([^|]+)\|(start|log|pass|end|stop)\|/;

/** Transactions of a Kazoo-scheme Kamailio log in rsyslog's RFC 3339 format, grouped by call. */
export function logTemplatesFromKazooLog(path: string): LogTemplate[] {
  const byCall = new Map<string, { t: number; rest: string }[]>();
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const m = RFC3339_PREFIX.exec(line);
    if (!m) continue;
    const k = KAZOO_LINE.exec(m[2]!);
    if (!k) continue;
    const t = Date.parse(m[1]!) / 1000 + fraction(m[1]!);
    let list = byCall.get(k[1]!);
    if (!list) { list = []; byCall.set(k[1]!, list); }
    list.push({ t, rest: m[2]! });
  }
  return [...byCall].map(([callId, ls]) => {
    const t0 = ls[0]!.t;
    return { origin: path, callId, lines: ls.map((l) => ({ dt: l.t - t0, rest: l.rest })) };
  });
}

/** Date.parse keeps milliseconds only: add back the microseconds. */
function fraction(stamp: string): number {
  const m = /\.(\d+)/.exec(stamp);
  if (!m || m[1]!.length <= 3) return 0;
  return Number('0.' + m[1]!.slice(3).padEnd(3, '0').slice(0, 3)) / 1000;
}

export interface Material {
  sip: SipTemplate[];
  logs: LogTemplate[];
  sources: string[];
}

function filesIn(dir: string, re: RegExp): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((n) => re.test(n)).sort().map((n) => join(dir, n));
}

/** Everything usable under the corpus and the fixtures. */
export function loadMaterial(opts: { corpus: string; fixtures: string }): Material {
  const sip: SipTemplate[] = [];
  const logs: LogTemplate[] = [];
  const sources: string[] = [];
  const pcaps = [
    ...filesIn(join(opts.corpus, 'pcap'), /\.pcap$/),
    ...filesIn(join(opts.fixtures, 'sipp'), /\.pcap$/),
    ...filesIn(join(opts.fixtures, 'demo'), /\.pcap$/),
  ];
  for (const p of pcaps) {
    const t = sipTemplatesFromPcap(p).filter((x) => x.messages.length > 0);
    if (t.length) { sip.push(...t); sources.push(p); }
  }
  const kazoo = join(opts.corpus, 'kazoo', 'kazoo__call_inspector_ci_chunk_tests_chunks.json');
  if (existsSync(kazoo)) { sip.push(...sipTemplatesFromKazooChunks(kazoo)); sources.push(kazoo); }
  for (const p of [...filesIn(join(opts.fixtures, 'kamailio'), /rfc3339\.log$/), ...filesIn(join(opts.fixtures, 'demo'), /kamailio\.log$/)]) {
    const t = logTemplatesFromKazooLog(p);
    if (t.length) { logs.push(...t); sources.push(p); }
  }
  return { sip, logs, sources };
}
