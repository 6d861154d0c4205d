// The generators: replicate real calls with fresh identities, spread them over time, and stream
// them out as (a) a pcap of plain SIP with RTP, (b) a pcap of HEP3, (c) a FreeSWITCH siptrace
// log and a Kamailio log in the Kazoo scheme. Memory stays bounded by the calls active at once.
import { createWriteStream, type WriteStream } from 'node:fs';
import { hep3Packet, pcapGlobalHeader, pcapRecord, rtpPacket, udpFrame } from './frames.js';
import type { LogTemplate, Material, Peer, SipTemplate } from './material.js';
import { EventHeap, makeRewriter, Rng } from './replicate.js';

export type OutputKind = 'pcap-sip' | 'pcap-hep' | 'freeswitch' | 'kamailio';
export const OUTPUT_KINDS: OutputKind[] = ['pcap-sip', 'pcap-hep', 'freeswitch', 'kamailio'];

export interface GenerateOptions {
  kind: OutputKind;
  out: string;
  /** Stop after about this many bytes, or after exactly this many calls. */
  bytes?: number;
  calls?: number;
  /** Calls start evenly (with jitter) over [end - span, end], Unix seconds. */
  end: number;
  span: number;
  seed?: number;
  /** RTP packets per answered call in pcap-sip (half each way, every 20 ms). */
  rtpPerCall?: number;
}

export interface GenerateStats {
  kind: OutputKind;
  out: string;
  bytes: number;
  calls: number;
  /** SIP messages written (pcap-sip, pcap-hep, freeswitch); Kamailio transactions (start lines). */
  messages: number;
  rtpPackets: number;
  templates: number;
  seconds: number;
}

interface Piece {
  t: number;
  bytes: Buffer;
  sip: boolean;
}

/** The FreeSWITCH the siptrace belongs to: the address the call's first message went to. */
const FS_LOG_ADDRESS = (tpl: SipTemplate): Peer => tpl.messages[0]!.dst;

function pad(n: number, w = 2): string { return String(n).padStart(w, '0'); }

function utcParts(t: number): { date: string; time: string; us: string } {
  const us = Math.round(t * 1e6);
  const d = new Date(Math.floor(us / 1000));
  return {
    date: `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`,
    time: `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`,
    us: pad(us % 1e6, 6),
  };
}

function bracketed(ip: string): string { return ip; }

function sdpMedia(text: string): Peer | undefined {
  const c = /\r?\nc=IN IP[46] ([^\s]+)/.exec(text);
  const m = /\r?\nm=audio (\d+)/.exec(text);
  return c && m ? { ip: c[1]!, port: Number(m[1]) } : undefined;
}

/** Renders one copy of a template into time-stamped pieces of the output. */
type CallRenderer = (copy: number, start: number) => { pieces: Piece[]; messages: number; rtp: number };

function sipRenderer(kind: OutputKind, tpl: SipTemplate, rng: Rng, rtpPerCall: number): CallRenderer {
  const rewrite = makeRewriter(tpl.callId, tpl.messages.map((m) => m.text));
  const fs = FS_LOG_ADDRESS(tpl);
  const agent: Peer = { ip: '10.200.0.1', port: 9061 };
  const collector: Peer = { ip: '10.200.0.254', port: 9060 };
  return (copy, start) => {
    const pieces: Piece[] = [];
    let messages = 0, rtp = 0;
    let offer: Peer | undefined, answer: Peer | undefined, answeredAt: number | undefined;
    for (const m of tpl.messages) {
      const t = start + m.dt;
      const text = rewrite(m.text, copy);
      const payload = Buffer.from(text, 'latin1');
      if (kind === 'pcap-sip') {
        pieces.push({ t, bytes: pcapRecord(t, udpFrame(m.src, m.dst, payload)), sip: true });
        if (text.startsWith('INVITE ')) offer ??= sdpMedia(text);
        else if (/^SIP\/2\.0 2\d\d /.test(text) && /\r\nCSeq:\s*\d+ INVITE/i.test(text)) { answer ??= sdpMedia(text); answeredAt ??= t; }
      } else if (kind === 'pcap-hep') {
        pieces.push({ t, bytes: pcapRecord(t + 0.0002, udpFrame(agent, collector, hep3Packet(t, m.src, m.dst, payload, 2001))), sip: true });
      } else if (kind === 'freeswitch') {
        const send = m.src.ip === fs.ip && m.src.port === fs.port;
        const recv = m.dst.ip === fs.ip && m.dst.port === fs.port;
        if (!send && !recv) continue; // a hop FreeSWITCH did not see
        const peer = send ? m.dst : m.src;
        const { date, time, us } = utcParts(t);
        const lines = text.split('\r\n');
        if (lines[lines.length - 1] === '') lines.pop();
        const block = `${date} ${time}.${us} [DEBUG] sofia.c:7325 sofia/internal/${peer.ip} ${send ? 'sending' : 'received'} message\n`
          + `${send ? 'send' : 'recv'} ${Buffer.byteLength(text, 'latin1')} bytes ${send ? 'to' : 'from'} udp/[${bracketed(peer.ip)}]:${peer.port} at ${time}.${us}:\n`
          + '-'.repeat(72) + '\n' + lines.join('\n') + '\n';
        pieces.push({ t, bytes: Buffer.from(block, 'latin1'), sip: true });
      }
      messages++;
    }
    if (kind === 'pcap-sip' && answeredAt !== undefined && rtpPerCall > 0) {
      const a = offer ?? { ip: tpl.messages[0]!.src.ip, port: 40000 };
      const b = answer ?? { ip: tpl.messages[0]!.dst.ip, port: 40002 };
      const ssrcA = Math.floor(rng.next() * 2 ** 32), ssrcB = Math.floor(rng.next() * 2 ** 32);
      for (let i = 0; i < rtpPerCall; i++) {
        const t = answeredAt + 0.01 + Math.floor(i / 2) * 0.02;
        const [src, dst, ssrc] = i % 2 === 0 ? [a, b, ssrcA] : [b, a, ssrcB];
        pieces.push({ t, bytes: pcapRecord(t, udpFrame(src, dst, rtpPacket(i >> 1, ssrc))), sip: false });
        rtp++;
      }
    }
    return { pieces, messages, rtp };
  };
}

function kamailioRenderer(tpl: LogTemplate): CallRenderer {
  return (copy, start) => {
    const id = `b${copy.toString(36)}-${tpl.callId}`;
    const pieces: Piece[] = [];
    let messages = 0;
    for (const l of tpl.lines) {
      const t = start + l.dt;
      const { date, time, us } = utcParts(t);
      const rest = l.rest.split(tpl.callId).join(id);
      if (rest.includes(`${id}|start|`)) messages++;
      pieces.push({ t, bytes: Buffer.from(`${date}T${time}.${us}+00:00 ${rest}\n`, 'utf8'), sip: true });
    }
    return { pieces, messages, rtp: 0 };
  };
}

class Output {
  private buf: Buffer[] = [];
  private bufBytes = 0;
  bytes = 0;
  constructor(private readonly ws: WriteStream) {}
  async write(b: Buffer): Promise<void> {
    this.buf.push(b);
    this.bufBytes += b.length;
    this.bytes += b.length;
    if (this.bufBytes >= 1 << 20) await this.flush();
  }
  async flush(): Promise<void> {
    if (this.bufBytes === 0) return;
    const data = Buffer.concat(this.buf);
    this.buf = [];
    this.bufBytes = 0;
    if (!this.ws.write(data)) await new Promise<void>((r) => this.ws.once('drain', () => r()));
  }
  async close(): Promise<void> {
    await this.flush();
    await new Promise<void>((resolve, reject) => this.ws.end((e?: Error | null) => (e ? reject(e) : resolve())));
  }
}

export async function generate(material: Material, opts: GenerateOptions): Promise<GenerateStats> {
  const started = Date.now();
  const rng = new Rng(opts.seed ?? 6);
  const rtpPerCall = opts.rtpPerCall ?? 50;
  const renderers: CallRenderer[] = [];
  if (opts.kind === 'kamailio') {
    const seen = new Set<string>();
    for (const t of material.logs) if (!seen.has(t.callId)) { seen.add(t.callId); renderers.push(kamailioRenderer(t)); }
  } else {
    for (const t of material.sip) renderers.push(sipRenderer(opts.kind, t, rng, rtpPerCall));
  }
  if (renderers.length === 0) throw new Error(`no material for ${opts.kind} (corpus or fixtures missing?)`);
  // How many calls make the size: render one copy of every template once.
  let calls = opts.calls;
  if (calls === undefined) {
    let sample = 0;
    renderers.forEach((r, i) => { for (const p of r(1e9 + i, 0).pieces) sample += p.bytes.length; });
    calls = Math.max(1, Math.ceil((opts.bytes ?? 1e9) / (sample / renderers.length)));
  }
  const spacing = opts.span / calls;
  const out = new Output(createWriteStream(opts.out, { highWaterMark: 4 << 20 }));
  if (opts.kind === 'pcap-sip' || opts.kind === 'pcap-hep') await out.write(pcapGlobalHeader());
  const heap = new EventHeap<Buffer>();
  const stats: GenerateStats = { kind: opts.kind, out: opts.out, bytes: 0, calls, messages: 0, rtpPackets: 0, templates: renderers.length, seconds: 0 };
  const t0 = opts.end - opts.span;
  for (let k = 0; k < calls; k++) {
    const start = t0 + k * spacing + rng.next() * spacing * 0.5;
    while (heap.size > 0 && heap.peek()!.t <= start) await out.write(heap.pop()!.value);
    const r = renderers[k % renderers.length]!(k, start);
    for (const p of r.pieces) heap.push(p.t, p.bytes);
    stats.messages += r.messages;
    stats.rtpPackets += r.rtp;
  }
  while (heap.size > 0) await out.write(heap.pop()!.value);
  await out.close();
  stats.bytes = out.bytes;
  stats.seconds = (Date.now() - started) / 1000;
  return stats;
}

/** "1GB", "30MB", "500kB", or plain bytes. */
export function parseSize(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*([kKmMgG]?)i?[bB]?$/.exec(text.trim());
  if (!m) return undefined;
  const mult = { '': 1, k: 1e3, m: 1e6, g: 1e9 }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g'];
  return Math.round(Number(m[1]) * mult);
}
