// A decoded HEP packet → a Chunk: SIP payloads through the one chunk builder, LOG payloads
// (type 100) as log chunks of the call named by the correlation id, anything else skipped.
import { chunkId, md5hex, timeFields, type CaptureInfo, type Chunk } from '../model/chunk.js';
import { formatEndpoint } from '../model/address.js';
import type { Instant } from '../model/time.js';
import { chunkFromSip } from '../sip/chunk-builder.js';
import { looksLikeSip } from '../sip/message.js';
import type { HepPacket } from './hep.js';

export interface HepObservation {
  /** Capture point name (see hepCapturePoint). */
  parser: string;
  /** Collector time: the frame time in a capture file, the receive time for `listen`. */
  refTime: Instant;
  /** The HEP sender: outer source IP of the datagram or connection. */
  sender?: string;
  frame?: number;
  offset?: number;
}

const PAYLOAD_SIP = 1;
const PAYLOAD_LOG = 100;
const LABEL_MAX = 80;

/**
 * The capture point of a HEP packet: `hep:<sender ip>#<capture id>`, plus `/<node name>` when
 * the packet names its node (chunk 0x0013). The sender is the outer source IP, not the port:
 * one collector port serves several nodes, and one node's source port changes on restart.
 * The capture id separates agents behind one address (a proxy and its FreeSWITCH, NAT). Without
 * a capture id the name is `hep:<sender ip>`.
 */
export function hepCapturePoint(sender: string, packet: Pick<HepPacket, 'captureId' | 'nodeName'>): string {
  let name = `hep:${sender}`;
  if (packet.captureId !== undefined) name += `#${packet.captureId}`;
  if (packet.nodeName !== undefined && packet.nodeName !== '') name += `/${packet.nodeName}`;
  return name;
}

/** RFC 3261 transport names for HEP's inner IP protocol (22 is sofia-sip's fake value for TLS). */
function transportOf(ipProtocol: number | undefined): string | undefined {
  switch (ipProtocol) {
    case 17: return 'udp';
    case 6: return 'tcp';
    case 132: return 'sctp';
    case 22: return 'tls';
    default: return undefined;
  }
}

function captureInfo(packet: HepPacket, sender: string | undefined): CaptureInfo {
  const info: CaptureInfo = { hep_version: packet.version };
  if (sender !== undefined) info.sender = sender;
  if (packet.captureId !== undefined) info.capture_id = packet.captureId;
  if (packet.nodeName !== undefined) info.node = packet.nodeName;
  if (packet.correlationId !== undefined) info.correlation_id = packet.correlationId;
  if (packet.vlan !== undefined) info.vlan = packet.vlan;
  return info;
}

export function hepToChunk(packet: HepPacket, obs: HepObservation): Chunk | { skip: string } {
  if (packet.flags.includes('hep-no-payload')) return { skip: 'hep packet without payload' };
  // Never feed a non-SIP payload type to the SIP parser (Kazoo filed them under md5("undefined")).
  if (packet.payloadType === PAYLOAD_LOG) return logChunk(packet, obs);
  if (packet.payloadType !== PAYLOAD_SIP) return { skip: `hep payload type ${packet.payloadType}` };
  if (packet.flags.includes('hep-inflate-failed')) return { skip: 'hep compressed payload does not inflate' };
  if (!looksLikeSip(packet.payload)) return { skip: 'hep sip payload is not sip' };
  const nodeTime = packet.time ?? obs.refTime;
  const source = obs.frame !== undefined || obs.offset !== undefined ? { frame: obs.frame, offset: obs.offset } : undefined;
  return chunkFromSip(packet.payload, {
    parser: obs.parser,
    nodeTime,
    refTime: obs.refTime,
    src: packet.src,
    dst: packet.dst,
    transport: transportOf(packet.ipProtocol),
    source,
    capture: captureInfo(packet, obs.sender),
    flags: packet.flags.filter((f) => f !== 'hep-inflated'),
  });
}

/**
 * HEP type 100 (Kamailio `hlog()`, heplify): a log line about a call. It is kept as a log
 * chunk of the call its correlation id names (hlog defaults it to the Call-ID, FORMATS.md §1.5).
 */
function logChunk(packet: HepPacket, obs: HepObservation): Chunk | { skip: string } {
  const callId = packet.correlationId?.trim();
  if (!callId) return { skip: 'hep log without correlation id' };
  const text = packet.payload.toString('utf8').replace(/[\r\n]+$/, '');
  const raw = text.split(/\r?\n/);
  const first = raw.find((l) => l.trim() !== '') ?? '';
  const label = first.length > LABEL_MAX ? first.slice(0, LABEL_MAX - 1) + '…' : first;
  const nodeTime = packet.time ?? obs.refTime;
  const hash = md5hex(`log\n${text}`).slice(0, 16);
  const flags = packet.flags.filter((f) => f !== 'hep-inflated');
  const source = obs.frame !== undefined || obs.offset !== undefined ? { frame: obs.frame, offset: obs.offset } : undefined;
  return {
    'call-id': callId,
    ...timeFields(nodeTime, obs.refTime),
    label: label || undefined,
    raw,
    src: packet.src ? formatEndpoint(packet.src) : undefined,
    dst: packet.dst ? formatEndpoint(packet.dst) : undefined,
    parser: obs.parser,
    id: chunkId(obs.parser, nodeTime, hash),
    kind: 'log',
    transport: transportOf(packet.ipProtocol),
    hash,
    source,
    capture: captureInfo(packet, obs.sender),
    flags: flags.length ? flags : undefined,
  };
}
