// Kamailio log lines that are not Kazoo's scheme but name a Call-ID (FORMATS.md §10.3):
//   log_prefix "{$mt $cs $rm $ci} "      {2 12375830 INVITE 4a68…@48.146.161.153:5060} tm [t_lookup.c:1043]: …
//   bracket prefix "[$ci][M=$rm-$cs] "   [1631…@edge-a1.fake.net][M=OPTIONS-1] <script>: [KEEPALIVE]IP=…|RURI=…
//   core debug                           receive_msg(): --- received sip message - reply - call-id: [X] - cseq: [N M]
//   JSON log engine                      {"level":"DEBUG","logprefix":"{1 1 OPTIONS 7156…} ","message":"…","callid":"…"}
// None carries a SIP message: they become annotations of the call (events), not ladder hops.
import { parseEndpoint, type Endpoint } from '../../model/address.js';

export interface Annotation {
  callId: string;
  /** 'log_prefix' | 'bracket' | 'core' | 'json': which style named the Call-ID. */
  style: string;
  /** Short text of the event (the message without level, prefix and module/file position). */
  event: string;
  /** 1 = request, 2 = reply (log_prefix's $mt). */
  messageType?: number;
  cseqNum?: number;
  method?: string;
  /** An address the line states as the message's source ("received from 1.2.3.4:5060"). */
  src?: Endpoint;
  transport?: string;
  /** Process id from a JSON line. */
  pid?: number;
  /** Time stated inside a JSON line. */
  jsonTime?: string | number;
}

const LEVEL_PREFIX = /^(?:(?:[A-Z]+|L_[A-Z0-9_]+): *)?/;
const LOG_PREFIX = /^\{([12]) (\d+) ([A-Za-z]+) ([^\s}]+)\} ?/;
const LOG_PREFIX_ANYWHERE = /\{([12]) (\d+) ([A-Za-z]+) ([^\s}]+)\}/;
const BRACKET = /^\[([^\]\s]+)\]\[M=([^\]]*)\] ?/;
const CORE_CALLID = /call-id: \[([^\]\s]+)\]/;
const CORE_CSEQ = /cseq: \[(\d+)(?: ([A-Za-z]+))?\]/;
const CORE_WHAT = /received sip message - (request|reply)/;
const MODULE_POSITION = /^(?:<[\w-]+>|[\w-]+) \[[^\]]*\]: /;
const SCRIPT_TAG = /^<script>: ?/;
const RECEIVED_FROM = /\breceived from (\[[^\]]+\]:\d+|[0-9a-fA-F.:]+:\d+)\b/;
const VIA_PROTO = /\bvia (udp|tcp|tls|sctp|wss|ws)\b/i;

/** Remove "<core> [file:line]: " / "tm [file:line]: " and "<script>: " from a message. */
export function shortEvent(text: string): string {
  return text.replace(MODULE_POSITION, '').replace(SCRIPT_TAG, '').trim();
}

/** The annotation a line's text (after its syslog prefix) carries, or undefined. */
export function parseAnnotation(rest: string): Annotation | undefined {
  const trimmed = rest.trimStart();
  if (trimmed.startsWith('{"') || trimmed.startsWith('{ "')) return parseJsonLine(trimmed);
  const body = rest.slice(LEVEL_PREFIX.exec(rest)![0].length);
  let m = LOG_PREFIX.exec(body);
  if (m) {
    return withDetails({ callId: m[4]!, style: 'log_prefix', event: shortEvent(body.slice(m[0].length)), messageType: Number(m[1]), cseqNum: Number(m[2]), method: m[3]!.toUpperCase() }, body);
  }
  if ((m = BRACKET.exec(body))) {
    const mField = /^(.*?)(?:-(\d+))?$/.exec(m[2]!)!;
    return withDetails({
      callId: m[1]!, style: 'bracket', event: shortEvent(body.slice(m[0].length)),
      method: mField[1] ? mField[1].toUpperCase() : undefined, cseqNum: mField[2] !== undefined ? Number(mField[2]) : undefined,
    }, body);
  }
  if ((m = CORE_CALLID.exec(body))) {
    const cseq = CORE_CSEQ.exec(body);
    const what = CORE_WHAT.exec(body);
    return withDetails({
      callId: m[1]!, style: 'core', event: what ? `received sip ${what[1]}` : shortEvent(body),
      messageType: what ? (what[1] === 'request' ? 1 : 2) : undefined,
      cseqNum: cseq ? Number(cseq[1]) : undefined, method: cseq?.[2]?.toUpperCase(),
    }, body);
  }
  return undefined;
}

function withDetails(a: Annotation, text: string): Annotation {
  const from = RECEIVED_FROM.exec(text);
  if (from) a.src = parseEndpoint(from[1]!);
  const via = VIA_PROTO.exec(text);
  if (via) a.transport = via[1]!.toLowerCase();
  return a;
}

function parseJsonLine(text: string): Annotation | undefined {
  let o: Record<string, unknown>;
  try {
    const v: unknown = JSON.parse(text);
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
    o = v as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const str = (k: string) => (typeof o[k] === 'string' ? (o[k] as string) : undefined);
  const message = (str('message') ?? str('msg') ?? '').trim();
  const prefix = str('logprefix') ?? '';
  const lp = LOG_PREFIX_ANYWHERE.exec(prefix) ?? LOG_PREFIX_ANYWHERE.exec(message);
  const core = CORE_CALLID.exec(message);
  // The `c` flag of --log-engine=json adds the Call-ID as an attribute.
  const callId = str('callid') ?? str('call-id') ?? str('call_id') ?? str('ci') ?? lp?.[4] ?? core?.[1];
  if (!callId) return undefined;
  const fn = str('function');
  const a: Annotation = {
    callId, style: 'json',
    event: message ? (fn && !message.startsWith(fn) ? `${fn}(): ${message}` : message) : (fn ?? 'log event'),
    pid: typeof o.pid === 'number' ? o.pid : undefined,
    jsonTime: (typeof o.timestamp === 'number' || typeof o.timestamp === 'string') ? o.timestamp as number | string
      : (typeof o.time === 'number' || typeof o.time === 'string') ? o.time as number | string : undefined,
  };
  if (lp) { a.messageType = Number(lp[1]); a.cseqNum = Number(lp[2]); a.method = lp[3]!.toUpperCase(); }
  return withDetails(a, message);
}
