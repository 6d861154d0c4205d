// Kazoo's `<callid>|<tag>|<text>` xlog scheme (FORMATS.md §10.1, KAZOO.md §2.2): one line is
// one message of a transaction; a transaction (start … pass/end/stop) becomes one log chunk.
// Pure functions: parsing a line, and turning a finished transaction into a Chunk.
import { isIPv6 } from 'node:net';
import { formatEndpoint, parseEndpoint, type Endpoint } from '../../model/address.js';
import { chunkId, md5hex, timeFields, type Chunk } from '../../model/chunk.js';
import type { Instant } from '../../model/time.js';
import { ownText } from '../../model/text.js';

export const KNOWN_TAGS = ['start', 'log', 'pass', 'end', 'stop'] as const;

export interface KazooLine {
  callId: string;
  tag: string;
  /** Everything after the second `|`; may contain more `|` (Kazoo dropped such lines). */
  text: string;
}

// "INFO: <script>: cid|tag|text"; the level is optional (kamailio -E without level, or L_ names).
const SCRIPT = /^(?:(?:[A-Z]+|L_[A-Z0-9_]+): +)?<script>: ?/;
const CALL_ID = /^[^\s|]+$/;
const TAG_WORD = /^[A-Za-z][\w-]*$/;

/** The Kazoo-scheme fields of a line's text after its syslog prefix, or undefined. */
export function parseKazooLine(rest: string): KazooLine | undefined {
  const m = SCRIPT.exec(rest);
  if (!m) return undefined;
  const body = rest.slice(m[0].length);
  const bar1 = body.indexOf('|');
  if (bar1 <= 0) return undefined;
  const bar2 = body.indexOf('|', bar1 + 1);
  if (bar2 < 0) return undefined;
  const callId = body.slice(0, bar1);
  const tag = body.slice(bar1 + 1, bar2);
  if (!CALL_ID.test(callId) || !TAG_WORD.test(tag)) return undefined;
  return { callId, tag, text: body.slice(bar2 + 1).trimEnd() };
}

export function isKnownTag(tag: string): boolean {
  return (KNOWN_TAGS as readonly string[]).includes(tag);
}

/** One line of a transaction, as kept until the transaction is emitted. */
export interface TxnLine {
  tag: string;
  text: string;
  time: Instant;
  timeKnown: boolean;
  offset: number;
  lineNo: number;
  terminated: boolean;
}

export interface Transaction {
  callId: string;
  lines: TxnLine[];
}

const RECEIVED = 'rec(?:ei|ie)ved'; // "recieved" is matched too (FORMATS.md §10.1)
const PROTO = '(udp|tcp|tls|sctp|wss|ws)';
const RE_INTERNAL_REPLY = new RegExp(`^${RECEIVED} internal reply (.+)$`, 'i');
const RE_REQUEST = new RegExp(`^${RECEIVED} ${PROTO} request (.+)$`, 'i');
const RE_EXTERNAL_REPLY = /^external reply (.+)$/i;
const RE_FAILURE_REPLY = new RegExp(`^${RECEIVED} failure reply (.+)$`, 'i');
// The 2016 form (kazoo-configs PR #89): "received external INVITE reply 200 OK source 1.2.3.4:5060".
const RE_EXTERNAL_METHOD_REPLY = new RegExp(`^${RECEIVED} external (?:([A-Za-z]+) )?reply (\\d{3}(?: .*?)?)(?: source (\\S+))?$`, 'i');
const RE_RECEIVED = new RegExp(`^${RECEIVED} (.+)$`, 'i');

export interface LabelInfo {
  label?: string;
  transport?: string;
  /** CSeq method stated by the line (2016 external reply form). */
  method?: string;
  /** `source a:p` stated inside the start line itself (2016 form). */
  source?: string;
}

/**
 * Kazoo's label rules in order, with the protocol matched as a word (Kazoo's `\w{3}` turned
 * `received ws request REGISTER …` into the label `ws request REGISTER …`: KAZOO.md §8 item 31).
 */
export function labelOf(text: string): LabelInfo {
  let m = RE_INTERNAL_REPLY.exec(text);
  if (m) return { label: m[1] };
  if ((m = RE_REQUEST.exec(text))) return { label: m[2], transport: m[1]!.toLowerCase() };
  if ((m = RE_EXTERNAL_REPLY.exec(text))) return { label: m[1] };
  if ((m = RE_FAILURE_REPLY.exec(text))) return { label: m[1] };
  if ((m = RE_EXTERNAL_METHOD_REPLY.exec(text))) return { label: m[2], method: m[1]?.toUpperCase(), source: m[3] };
  if ((m = RE_RECEIVED.exec(text))) return { label: m[1] };
  return {};
}

/** "a:p" or "a:p -> b:q" (IPv6 as [addr]:port or bare): both sides as endpoints. */
export function parseHop(text: string): { left?: Endpoint; right?: Endpoint } | undefined {
  const t = text.trim();
  const arrow = t.indexOf('->');
  if (arrow < 0) {
    const e = endpointOf(t);
    return e ? { left: e } : undefined;
  }
  const left = endpointOf(t.slice(0, arrow));
  const right = endpointOf(t.slice(arrow + 2));
  return left || right ? { left, right } : undefined;
}

/** Socket and URI decorations around an address: "udp:1.2.3.4:5060" ($fs), "sip:user@1.2.3.4:5060;lr" ($du). */
const ADDRESS_SCHEME = /^(?:(?:udp|tcp|tls|sctp|wss|ws|sips?):)+/i;

// The same few addresses recur on every transaction: each text is parsed once (a handful of
// regexes and node's IPv6 check), up to a bound. Callers only read the endpoints they get.
const ENDPOINT_CACHE_MAX = 4096;
const endpointCache = new Map<string, Endpoint | undefined>();

export function endpointOf(text: string): Endpoint | undefined {
  const cached = endpointCache.get(text);
  if (cached !== undefined || endpointCache.has(text)) return cached;
  // Parsed from a copy: the key, and the host in the endpoint, would otherwise be cuts that keep
  // the whole log line alive in the cache.
  const own = ownText(text);
  const e = parseEndpointText(own);
  if (endpointCache.size >= ENDPOINT_CACHE_MAX) endpointCache.clear();
  endpointCache.set(own, e);
  return e;
}

function parseEndpointText(text: string): Endpoint | undefined {
  let t = text.trim().split(/\s+/)[0] ?? '';
  t = t.replace(/^<|>$/g, '').replace(ADDRESS_SCHEME, '').replace(/^[^@\[\]]*@/, '').replace(/[;?].*$/, '');
  if (t === '') return undefined;
  // Bare IPv6 with a port appended ("2001:db8::1:5060") is ambiguous, and it is what Kamailio's
  // "$si:$sp" prints: these texts always carry a port, so a last all-decimal group is the port
  // when what is left is still an IPv6 address.
  const m = /^([0-9a-fA-F:.]*:[0-9a-fA-F:.]*):(\d{1,5})$/.exec(t);
  if (m && isIPv6(m[1]!) && Number(m[2]) <= 65535) {
    const host = parseEndpoint(m[1]!);
    if (host) return { host: host.host, port: Number(m[2]) };
  }
  return parseEndpoint(t);
}

const RE_SOURCE = /^source (.+)$/i;

/** The address Kamailio states for itself in a transaction: `source a:p -> R:Q`'s R:Q, or `pass|S:T -> D:U`'s S:T. */
export function statedSelfAddress(t: Transaction): Endpoint | undefined {
  for (const l of t.lines) {
    const source = l.tag === 'log' ? RE_SOURCE.exec(l.text) : null;
    const hop = source ? parseHop(source[1]!) : l.tag === 'pass' ? parseHop(l.text) : undefined;
    if (!hop) continue;
    const self = source ? hop.right : hop.right ? hop.left : undefined;
    if (self) return self;
  }
  return undefined;
}
const RE_CSEQ = /^cseq (.+)$/i;

export interface BuildOptions {
  parser: string;
  /** Kamailio's own address (`--node-address`); see chunkFromTransaction. */
  nodeAddress?: Endpoint;
  /** Kamailio's address as stated by earlier transactions of the same log (used after nodeAddress and the transaction's own). */
  statedNodeAddress?: Endpoint;
  /** Flags to add (e.g. 'truncated' for a transaction still open at end of file). */
  flags?: string[];
}

/**
 * The chunk of a finished transaction (KAZOO.md §2.2), with Kazoo's src/dst rules fixed
 * (FORMATS.md §10.1): the right-hand side of `pass|s:t -> d:u`, ports as numbers, IPv6 kept.
 * Kamailio's own address is `--node-address`; without it, the address Kamailio states for
 * itself (`source a:p -> R:Q`, `pass|S:T -> …`) is used, else that side stays undefined and the
 * chunk is flagged 'no-node-address'.
 */
export function chunkFromTransaction(t: Transaction, opts: BuildOptions): Chunk {
  const flags = [...(opts.flags ?? [])];
  const first = t.lines[0]!;
  const info = labelOf(first.text);
  const startedBy = first.tag === 'start';
  if (!startedBy) flags.push('no-start');

  let cseqText: string | undefined;
  const selfAddress = opts.nodeAddress ?? statedSelfAddress(t);
  let src: Endpoint | 'node' | undefined;
  let dst: Endpoint | 'node' | undefined;
  for (const l of t.lines) {
    const isInternalReply = l.tag === 'start' && RE_INTERNAL_REPLY.test(l.text);
    if (cseqText === undefined && l.tag === 'log') {
      const c = RE_CSEQ.exec(l.text);
      if (c) cseqText = c[1]!.trim();
    }
    const source = l.tag === 'log' ? RE_SOURCE.exec(l.text) : null;
    const hop = source ? parseHop(source[1]!) : l.tag === 'pass' ? parseHop(l.text) : undefined;
    if (src === undefined) {
      if (isInternalReply || (l.tag === 'log' && RE_EXTERNAL_REPLY.test(l.text))) src = 'node';
      else if (hop?.left && source) src = hop.left;
      else if (l === first && info.source) src = endpointOf(info.source);
    }
    if (dst === undefined && !isInternalReply) {
      if (l.tag === 'start') dst = 'node';
      else if (l.tag === 'pass' && hop) dst = hop.right ?? hop.left;
    }
  }
  src ??= 'node';
  dst ??= 'node';
  const resolveSide = (side: Endpoint | 'node'): string | undefined => {
    if (side !== 'node') return formatEndpoint(side);
    if (selfAddress) return formatEndpoint(selfAddress);
    if (opts.statedNodeAddress) return formatEndpoint(opts.statedNodeAddress);
    if (!flags.includes('no-node-address')) flags.push('no-node-address');
    return undefined;
  };

  let time = first.time;
  for (const l of t.lines) if (l.time < time) time = l.time;
  if (t.lines.some((l) => !l.timeKnown)) flags.push('no-time');
  if (t.lines.some((l) => !l.terminated)) { if (!flags.includes('truncated')) flags.push('truncated'); }
  if (t.lines.some((l) => !isKnownTag(l.tag))) flags.push('unknown-tag');

  const cseqNum = cseqText !== undefined ? /^(\d+)/.exec(cseqText) : null;
  const cseqWord = cseqText !== undefined ? /^\d+\s+([A-Za-z]+)/.exec(cseqText) : null;
  const label = info.label;
  const status = label ? /^(\d{3})(?: (.*))?$/.exec(label) : null;
  const request = label && !status ? /^([A-Za-z][A-Za-z0-9_-]*) \S/.exec(label) : null;
  const method = request ? request[1]!.toUpperCase() : (cseqWord?.[1]?.toUpperCase() ?? info.method);
  const raw = t.lines.map((l) => l.text);
  const hash = md5hex(`${t.callId}\n${raw.join('\n')}`).slice(0, 16);
  // A log has one clock, the node's: the collector time is the same instant (issue 2).
  return {
    'call-id': t.callId,
    ...timeFields(time, time),
    label,
    raw,
    src: resolveSide(src),
    dst: resolveSide(dst),
    parser: opts.parser,
    c_seq: cseqText,
    id: chunkId(opts.parser, time, hash),
    kind: 'log',
    transport: info.transport,
    method,
    status: status ? Number(status[1]) : undefined,
    reason: status ? status[2] : undefined,
    cseq_num: cseqNum ? Number(cseqNum[1]) : undefined,
    // RFC 3261 §8.1.1.5: a request's CSeq method is its own method.
    cseq_method: cseqWord?.[1]?.toUpperCase() ?? (request ? method : info.method),
    hash,
    source: { offset: first.offset, line: first.lineNo > 0 ? first.lineNo : undefined },
    flags: flags.length ? flags : undefined,
  };
}
