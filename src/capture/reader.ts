// Capture files → chunks. The dissectors are chained one way, sngrep style:
//   pcap.ts / pcapng.ts (records → frames) → link.ts → ip.ts (+ ip-fragments.ts, tunnels)
//   → udp.ts | tcp.ts (→ sip-stream.ts | websocket.ts | HEP stream) | sctp.ts
//   → capture-duplicates.ts → HEP (hep.ts) or SIP (chunk-builder) → Chunk.
// SIP is recognised by content, never by port. Everything that is not SIP is a counted skip
// with a reason. The reader holds no file: it consumes the byte pieces it is given, keeps
// bounded state (one partial record, fragment sets, TCP streams), and yields chunks.
//
// Times: a chunk's node time and ref time are both the frame time; for a message rebuilt from
// several frames (IP fragments, TCP segments, SCTP pieces, WebSocket continuations) it is the
// time of the frame that completes it, and `source.frame`/`source.offset` name that frame.
//
// Resume ('skip' mode): the driver streams the whole file again with ctx.startOffset. Every
// record is still decoded (interfaces, fragments, TCP streams and the duplicate filter need the
// history), but chunks completed by a record starting before startOffset are not emitted. After
// the chunks of each input piece are yielded, ctx.checkpoint(end of the last whole record).
import type { Endpoint } from '../model/address.js';
import type { Chunk } from '../model/chunk.js';
import type { Instant } from '../model/time.js';
import { chunkFromSip } from '../sip/chunk-builder.js';
import { looksLikeSip } from '../sip/message.js';
import type { SourceContext } from '../sources/source.js';
import { ByteWindow } from './buffer-reader.js';
import { DuplicateFilter } from './capture-duplicates.js';
import type { Frame, FrameDecoder } from './frame.js';
import { decodeHep, hepCapturePoint, hepToChunk, HepStreamFramer, isHepPayload } from './hep.js';
import { FragmentReassembler } from './ip-fragments.js';
import { addressKey, decodeGre, decodeIp, dstHost, IPPROTO, skipIpv6Extensions, srcHost, type IpPacket } from './ip.js';
import { decodeEthernet, decodeLink } from './link.js';
import { PcapDecoder } from './pcap.js';
import { PcapngDecoder } from './pcapng.js';
import { decodeSctp, SctpReassembler } from './sctp.js';
import { SipStreamFramer } from './sip-stream.js';
import { decodeTcp, TcpReassembler, type TcpSegment, type TcpStream } from './tcp.js';
import { decodeUdp } from './udp.js';
import { startsHttp, WebSocketFramer } from './websocket.js';

/** Tunnels inside tunnels beyond this depth are refused (a crafted loop cannot recurse forever). */
const MAX_TUNNEL_DEPTH = 6;
/** A TCP direction that yielded no SIP after this many skipped bytes is given up on. */
const GIVE_UP_BYTES = 256 * 1024;

/** What the current frame contributes to every message completed while it is processed. */
interface FrameContext {
  frame: Frame;
  vlan?: number;
  flags: string[];
  emit: boolean;
}

/** Application-layer state of one TCP direction. */
interface TcpApp {
  kind: 'unknown' | 'sip' | 'ws' | 'hep' | 'other';
  src: Endpoint;
  dst: Endpoint;
  sip?: SipStreamFramer;
  ws?: WebSocketFramer;
  hep?: HepStreamFramer;
  messages: number;
}

function firstSipByte(buf: Buffer): boolean {
  let i = 0;
  while (i < buf.length && (buf[i] === 0x0d || buf[i] === 0x0a)) i++;
  const c = buf[i];
  return c !== undefined && c >= 0x41 && c <= 0x5a;
}

function isKeepAlive(buf: Buffer): boolean {
  for (const b of buf) if (b !== 0x0d && b !== 0x0a && b !== 0x20 && b !== 0x09) return false;
  return true;
}

/** A TLS record header: content type 20-23, version 3.x (RFC 8446 §5.1). */
function looksLikeTls(buf: Buffer): boolean {
  return buf.length >= 3 && buf[0]! >= 0x14 && buf[0]! <= 0x17 && buf[1] === 0x03 && buf[2]! <= 0x04;
}

/** The layers and their state for one capture file. */
export class CapturePipeline {
  readonly out: Chunk[] = [];
  private cur!: FrameContext;
  private readonly fragments: FragmentReassembler;
  private readonly tcp: TcpReassembler<TcpApp>;
  private readonly sctp: SctpReassembler;
  private readonly dups = new DuplicateFilter();
  private tcpPacket?: { ip: IpPacket; seg: TcpSegment };

  constructor(private readonly ctx: SourceContext) {
    const drop = (reason: string, n: number) => ctx.skip(reason, n);
    this.fragments = new FragmentReassembler({ onDrop: drop });
    this.sctp = new SctpReassembler(drop);
    this.tcp = new TcpReassembler<TcpApp>({
      open: () => {
        const p = this.tcpPacket!;
        return { kind: 'unknown', src: { host: srcHost(p.ip), port: p.seg.srcPort }, dst: { host: dstHost(p.ip), port: p.seg.dstPort }, messages: 0 };
      },
      data: (s, bytes, gap) => this.tcpData(s, bytes, gap),
      close: (s) => this.tcpClose(s),
    }, { onDrop: drop });
  }

  get duplicateCount(): number {
    return this.dups.duplicates;
  }

  /** Decode one frame; the chunks it completes are appended to `out`. */
  frame(f: Frame): void {
    const flags: string[] = [];
    if (f.capturedLength < f.originalLength) flags.push('truncated');
    if (f.noTimestamp) flags.push('no-timestamp');
    this.cur = { frame: f, flags, emit: f.offset >= this.ctx.startOffset };
    const link = decodeLink(f.linkType, f.data);
    if ('skip' in link) { this.ctx.skip(link.skip); return; }
    this.cur.vlan = link.vlan;
    this.ip(link.ip, 0);
  }

  /** End of input: flush reassembly state (what completes is emitted, the rest counted). */
  finish(): void {
    this.tcp.finish();
    this.fragments.flush();
    this.sctp.flush();
  }

  private ip(buf: Buffer, depth: number): void {
    const p = decodeIp(buf);
    if ('skip' in p) { this.ctx.skip(p.skip); return; }
    if (p.truncated && !this.cur.flags.includes('truncated')) this.cur.flags.push('truncated');
    let protocol = p.protocol;
    let payload = p.payload;
    if (p.fragment) {
      // Never look at ports before reassembly: later fragments have none (irontec/sngrep#356).
      const key = `${p.version}${addressKey(p)}${p.version === 4 ? protocol : ''}/${p.fragment.id}`;
      const r = this.fragments.add(key, protocol, p.fragment.offset, p.fragment.more, p.payload, this.cur.frame.time, this.cur.frame.frame);
      if (!r) return;
      payload = r.payload;
      protocol = r.protocol;
      if (p.version === 6) {
        const up = skipIpv6Extensions(protocol, payload);
        if (!up) { this.ctx.skip('reassembled ipv6 datagram without upper layer'); return; }
        protocol = up.protocol;
        payload = up.payload;
      }
      this.cur.flags.push('ip-reassembled');
      if (r.conflict) this.cur.flags.push('ip-fragment-conflict');
    }
    switch (protocol) {
      case IPPROTO.UDP: return this.udp(p, payload);
      case IPPROTO.TCP: return this.tcpSegment(p, payload);
      case IPPROTO.SCTP: return this.sctpPacket(p, payload);
      case IPPROTO.IPIP: case IPPROTO.IPV6:
        if (depth >= MAX_TUNNEL_DEPTH) { this.ctx.skip('too many nested tunnels'); return; }
        return this.ip(payload, depth + 1);
      case IPPROTO.GRE: {
        if (depth >= MAX_TUNNEL_DEPTH) { this.ctx.skip('too many nested tunnels'); return; }
        const g = decodeGre(payload);
        if ('skip' in g) { this.ctx.skip(g.skip); return; }
        if ('ip' in g) return this.ip(g.ip, depth + 1);
        const inner = decodeEthernet(g.ethernet);
        if ('skip' in inner) { this.ctx.skip(inner.skip); return; }
        return this.ip(inner.ip, depth + 1);
      }
      default:
        this.ctx.skip(`ip protocol ${protocol} (not sip)`);
    }
  }

  private udp(p: IpPacket, payload: Buffer): void {
    const d = decodeUdp(payload);
    if ('skip' in d) { this.ctx.skip(d.skip); return; }
    const pl = d.payload;
    if (d.truncated && !this.cur.flags.includes('truncated')) this.cur.flags.push('truncated');
    if (pl.length === 0) { this.ctx.skip('empty udp datagram'); return; }
    if (isHepPayload(pl)) { this.hepPacket(pl, srcHost(p), true); return; }
    if (firstSipByte(pl) && looksLikeSip(pl)) {
      const src = { host: srcHost(p), port: d.srcPort };
      const dst = { host: dstHost(p), port: d.dstPort };
      this.datagram(pl, src, dst, 'udp', p.ipId);
      return;
    }
    if (isKeepAlive(pl)) this.ctx.skip('keep-alive datagram');
    else if ((pl[0]! & 0xc0) === 0x80 && pl.length >= 8) this.ctx.skip('rtp/rtcp datagram (not sip)');
    else this.ctx.skip('udp datagram that is not sip');
  }

  /** A SIP message that came as one datagram (UDP, SCTP): capture duplicates are dropped here. */
  private datagram(pl: Buffer, src: Endpoint, dst: Endpoint, transport: string, ipId: number): void {
    const hop = `${transport} ${src.host} ${src.port} ${dst.host} ${dst.port}`;
    const verdict = this.dups.check(hop, ipId, pl, this.cur.frame.time);
    if (verdict === 'duplicate') { this.ctx.skip('capture duplicate (same packet seen twice)'); return; }
    const extra = verdict === 'retransmission' ? ['retransmission'] : [];
    this.sip(pl, src, dst, transport, extra);
  }

  private sip(payload: Buffer, src: Endpoint, dst: Endpoint, transport: string, extraFlags: string[]): void {
    if (!this.cur.emit) return;
    const f = this.cur.frame;
    const flags = extraFlags.length ? [...this.cur.flags, ...extraFlags] : this.cur.flags.slice();
    this.out.push(chunkFromSip(payload, {
      parser: this.ctx.parser,
      nodeTime: f.time,
      refTime: f.time,
      src, dst, transport,
      source: { frame: f.frame, offset: f.offset },
      capture: this.cur.vlan !== undefined ? { vlan: this.cur.vlan } : undefined,
      flags,
    }));
  }

  /** One HEP packet (a UDP datagram, or framed from a TCP stream). */
  private hepPacket(pl: Buffer, sender: string, datagram: boolean): void {
    const f = this.cur.frame;
    // The same HEP packet delivered to several addresses (broadcast + bridge copies in
    // hep3_compressed): identical bytes whatever the outer addresses.
    if (datagram && this.dups.check('hep', -1, pl, f.time) === 'duplicate') {
      this.ctx.skip('capture duplicate (same hep packet seen twice)');
      return;
    }
    const r = decodeHep(pl, f.time);
    if (!r.ok) { this.ctx.skip(r.reason); return; }
    if (!this.cur.emit) return;
    const c = hepToChunk(r.packet, { parser: hepCapturePoint(sender, r.packet), refTime: f.time, sender, frame: f.frame, offset: f.offset });
    if ('skip' in c) { this.ctx.skip(c.skip); return; }
    this.out.push(c);
  }

  // ---- TCP ----

  private tcpSegment(p: IpPacket, payload: Buffer): void {
    const seg = decodeTcp(payload);
    if ('skip' in seg) { this.ctx.skip(seg.skip); return; }
    const key = `${p.version}${addressKey(p)}${seg.srcPort}/${seg.dstPort}`;
    this.tcpPacket = { ip: p, seg };
    this.tcp.segment(key, seg, this.cur.frame.time);
    this.tcpPacket = undefined;
  }

  private tcpData(s: TcpStream<TcpApp>, bytes: Buffer, gap: boolean): void {
    const app = s.app!;
    if (app.kind === 'unknown') {
      // Decided on the direction's first bytes, by content.
      if (bytes.length >= 4 && bytes.readUInt32BE(0) === 0x48455033) { app.kind = 'hep'; app.hep = new HepStreamFramer(); }
      else if (startsHttp(bytes)) { app.kind = 'ws'; app.ws = new WebSocketFramer(true, (r, n) => this.ctx.skip(r, n)); }
      else if (looksLikeTls(bytes)) { app.kind = 'other'; this.ctx.skip('tls stream (not decrypted)'); }
      else { app.kind = 'sip'; app.sip = new SipStreamFramer((r, n) => this.ctx.skip(r, n)); }
    }
    switch (app.kind) {
      case 'sip': {
        const fr = app.sip!;
        if (gap) fr.gap();
        fr.push(bytes, (m) => { app.messages++; this.sip(m.data, app.src, app.dst, 'tcp', m.flags); });
        if (app.messages === 0 && fr.skippedBytes > GIVE_UP_BYTES) {
          app.kind = 'other';
          app.sip = undefined;
          this.ctx.skip('tcp stream that is not sip');
        }
        return;
      }
      case 'ws': {
        const ws = app.ws!;
        if (gap) ws.gap();
        ws.push(bytes, (m) => {
          if (!looksLikeSip(m.data)) { this.ctx.skip('websocket message that is not sip'); return; }
          app.messages++;
          this.sip(m.data, app.src, app.dst, 'ws', m.flags);
        });
        if (ws.state === 'not-websocket') { app.kind = 'other'; app.ws = undefined; this.ctx.skip('http stream that is not websocket'); }
        return;
      }
      case 'hep': {
        // HEP3 over TCP (heplify -nt tcp, OpenSIPS): framed by the HEP3 length (FORMATS.md §1.6).
        for (const pkt of app.hep!.push(bytes)) this.hepPacket(pkt, app.src.host, false);
        return;
      }
      default:
        return;
    }
  }

  private tcpClose(s: TcpStream<TcpApp>): void {
    const app = s.app;
    if (!app) return;
    app.sip?.finish();
    app.ws?.finish();
    if (app.hep && app.hep.buffered > 0) this.ctx.skip('hep packet incomplete at end of tcp stream');
  }

  // ---- SCTP ----

  private sctpPacket(p: IpPacket, payload: Buffer): void {
    const pkt = decodeSctp(payload);
    if ('skip' in pkt) { this.ctx.skip(pkt.skip); return; }
    if (pkt.data.length === 0) { this.ctx.skip('sctp packet without data'); return; }
    const assoc = `${p.version}${addressKey(p)}${pkt.srcPort}/${pkt.dstPort}/${pkt.vtag}`;
    for (const chunk of pkt.data) {
      const msg = this.sctp.add(assoc, chunk);
      if (!msg) continue;
      if (!firstSipByte(msg) || !looksLikeSip(msg)) { this.ctx.skip('sctp message that is not sip'); continue; }
      const src = { host: srcHost(p), port: pkt.srcPort };
      const dst = { host: dstHost(p), port: pkt.dstPort };
      // SCTP retransmissions and in-capture copies repeat a TSN: the reassembler drops those.
      this.sip(msg, src, dst, 'sctp', []);
    }
  }
}

/** Pick the file-format decoder by the first bytes (the driver has already gunzipped). */
function decoderFor(head: Buffer, skip: (reason: string) => void): FrameDecoder {
  if (head.length >= 4 && head.readUInt32BE(0) === 0x0a0d0d0a) return new PcapngDecoder(skip);
  return new PcapDecoder(skip);
}

export async function* readCaptureFile(input: AsyncIterable<Buffer>, ctx: SourceContext): AsyncGenerator<Chunk> {
  const skip = (reason: string) => ctx.skip(reason);
  const pipeline = new CapturePipeline(ctx);
  let decoder: FrameDecoder | undefined;
  let head: Buffer[] = [];
  let headBytes = 0;
  let lastCheckpoint = -1;
  for await (const piece of input) {
    ctx.progress(piece.length);
    if (!decoder) {
      // Wait for 4 bytes to tell pcap from pcapng.
      head.push(piece);
      headBytes += piece.length;
      if (headBytes < 4) continue;
      decoder = decoderFor(Buffer.concat(head), skip);
      for (const h of head) decoder.push(h);
      head = [];
    } else {
      decoder.push(piece);
    }
    for (let f = decoder.next(); f; f = decoder.next()) pipeline.frame(f);
    if (pipeline.out.length) {
      for (const c of pipeline.out) yield c;
      pipeline.out.length = 0;
    }
    const safe = decoder.consumed;
    if (safe > ctx.startOffset && safe !== lastCheckpoint) { ctx.checkpoint(safe); lastCheckpoint = safe; }
  }
  if (!decoder) {
    ctx.skip('capture file shorter than its header');
    return;
  }
  pipeline.finish();
  for (const c of pipeline.out) yield c;
  pipeline.out.length = 0;
  const leftover = decoder.finish();
  if (leftover) {
    ctx.skip(leftover);
    ctx.warn(`${leftover} (stopped at byte ${decoder.consumed})`);
  }
}

/**
 * A raw dump of HEP3 packets back to back (format 'hep'): framed by the HEP3 total length,
 * resynchronising on the next "HEP3" after garbage. There is no collector clock in such a file:
 * the collector time of each chunk is the packet's own time (else the previous packet's).
 * Resume mode 'seek': the input starts at ctx.startOffset.
 */
export async function* readHepStream(input: AsyncIterable<Buffer>, ctx: SourceContext): AsyncGenerator<Chunk> {
  const w = new ByteWindow();
  const base = ctx.startOffset;
  let ref: Instant = 0n;
  let garbage = 0;
  const out: Chunk[] = [];
  for await (const piece of input) {
    ctx.progress(piece.length);
    w.append(piece);
    for (;;) {
      if (w.available < 6) break;
      const b = w.buffer, at = w.index;
      if (b.readUInt32BE(at) !== 0x48455033) {
        const next = b.indexOf('HEP3', at + 1, 'latin1');
        const to = next < 0 ? b.length - 3 : next;
        garbage += to - at;
        w.consume(to - at);
        if (next < 0) break;
        continue;
      }
      const total = b.readUInt16BE(at + 4);
      if (total < 6) { garbage += 4; w.consume(4); continue; }
      if (w.available < total) break;
      const offset = base + w.offset;
      const pkt = b.subarray(at, at + total);
      w.consume(total);
      if (garbage) { ctx.skip('bytes between hep packets (not hep)'); garbage = 0; }
      const r = decodeHep(pkt, ref);
      if (!r.ok) { ctx.skip(r.reason); continue; }
      const refTime = r.packet.time ?? ref;
      ref = refTime;
      const c = hepToChunk(r.packet, { parser: hepCapturePoint(ctx.parser, r.packet), refTime, offset });
      if ('skip' in c) ctx.skip(c.skip);
      else out.push(c);
    }
    for (const c of out) yield c;
    out.length = 0;
    ctx.checkpoint(base + w.offset);
  }
  if (garbage) ctx.skip('bytes between hep packets (not hep)');
  if (w.available > 0) ctx.skip('hep packet cut at end of file');
}
