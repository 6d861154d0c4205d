import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { readCaptureFile, readHepStream } from '../src/capture/reader.js';
import type { Chunk } from '../src/model/chunk.js';
import { runCli, tempDir, tempStore } from './helpers/cli.js';
import {
  collect, ethernet, ipv4, ipv4Fragments, ipv6, ipv6Fragments, PcapngWriter, pcapFile, pieces, sctp, sipMessage, sll2, tcp, testContext, u16, u32, udp,
} from './helpers/packets.js';

const T0 = 1_700_000_000n * 1_000_000n; // µs units for pcapng iface with default tsresol
const us = (n: number) => T0 + BigInt(n);

function hep3(payload: Buffer, o: { sec: number; usec: number; captureId: number }): Buffer {
  const chunk = (type: number, value: Buffer) => Buffer.concat([u16(0), u16(type), u16(6 + value.length), value]);
  const body = Buffer.concat([
    chunk(1, Buffer.from([2])), chunk(2, Buffer.from([17])),
    chunk(3, Buffer.from([10, 1, 1, 1])), chunk(4, Buffer.from([10, 2, 2, 2])),
    chunk(7, u16(5060)), chunk(8, u16(5062)), chunk(9, u32(o.sec)), chunk(10, u32(o.usec)),
    chunk(11, Buffer.from([1])), chunk(12, u32(o.captureId)), chunk(15, payload),
  ]);
  return Buffer.concat([Buffer.from('HEP3'), u16(6 + body.length), body]);
}

const A = '192.0.2.10', B = '198.51.100.20';
const bigSdp = 'v=0\r\n' + Array.from({ length: 80 }, (_, i) => `a=rtpmap:${i} codec${i}/8000\r\n`).join('');
const FRAG_INVITE = sipMessage('INVITE sip:frag@x SIP/2.0', 'frag-1', bigSdp);
const V6_INVITE = sipMessage('INVITE sip:v6@x SIP/2.0', 'v6-1', bigSdp);
const UDP_INVITE = sipMessage('INVITE sip:qinq@x SIP/2.0', 'qinq-1');
const T1 = sipMessage('OPTIONS sip:t1@x SIP/2.0', 'tcp-1');
const T2 = sipMessage('SIP/2.0 200 OK', 'tcp-2');
const T3 = sipMessage('BYE sip:t3@x SIP/2.0', 'tcp-3');
const T4 = sipMessage('INVITE sip:t4@x SIP/2.0', 'tcp-4', bigSdp.slice(0, 600));

/** A pcapng with an Ethernet interface (0) and an SLL2 interface (1), exercising every layer. */
function buildCapture(): Buffer {
  const w = new PcapngWriter().shb().idb(1).idb(276);
  const eth = (ip: Buffer) => ethernet(ip, 0x0800, [{ tpid: 0x88a8, id: 10 }, { tpid: 0x8100, id: 20 }]);
  // 1, 2: a QinQ UDP INVITE and the capture's second copy of the same packet 0.3 ms later.
  const p1 = eth(ipv4(A, B, udp(5060, 5060, UDP_INVITE), { id: 4242 }));
  w.epb(0, us(0), p1).epb(0, us(300), p1);
  // 3-6: IPv4 fragments of a large INVITE, last first, one duplicated, one overlapping.
  const frags = ipv4Fragments(A, B, udp(5062, 5060, FRAG_INVITE), 800, 77);
  assert.ok(frags.length >= 3);
  w.epb(0, us(1000), ethernet(frags[2]!)).epb(0, us(1100), ethernet(frags[0]!)).epb(0, us(1200), ethernet(frags[0]!));
  for (let i = 1; i < frags.length; i++) if (i !== 2) w.epb(0, us(1300 + i), ethernet(frags[i]!));
  // IPv6 fragments through SLL2, in order.
  for (const f of ipv6Fragments('2001:db8::1', '2001:db8::2', udp(5060, 5080, V6_INVITE), 1000, 99)) w.epb(1, us(2000), sll2(f, 0x86dd));
  // TCP: the capture starts mid-message; T1 completes in the first segment after a tail; T2+T3 in
  // one segment (then retransmitted); T4 over three segments, the middle one arriving last.
  const tseg = (seq: number, data: Buffer) => ethernet(ipv4(A, B, tcp(40000, 5060, seq, data), { protocol: 6 }));
  const s1 = Buffer.concat([Buffer.from('ength: 0\r\n\r\n'), T1]);
  const s2 = Buffer.concat([T2, T3]);
  let seq = 5000;
  w.epb(0, us(3000), tseg(seq, s1)); seq += s1.length;
  w.epb(0, us(3100), tseg(seq, s2));
  w.epb(0, us(3200), tseg(seq, s2)); seq += s2.length; // retransmission
  const a = T4.subarray(0, 100), b = T4.subarray(100, 300), c = T4.subarray(300);
  w.epb(0, us(3300), tseg(seq, a));
  w.epb(0, us(3400), tseg(seq + 300, c));
  w.epb(0, us(3500), tseg(seq + 100, b));
  // Noise: an RTP packet and a DNS-looking datagram.
  w.epb(0, us(4000), ethernet(ipv4(A, B, udp(20000, 30000, Buffer.concat([Buffer.from([0x80, 0x00]), Buffer.alloc(170)])))));
  w.epb(0, us(4100), ethernet(ipv4(A, B, udp(53, 53, Buffer.from([0x12, 0x34, 1, 0, 0, 1])))));
  // SCTP: a message in two DATA chunks.
  const sc = sipMessage('MESSAGE sip:sctp@x SIP/2.0', 'sctp-1');
  w.epb(0, us(5000), ethernet(ipv4(A, B, sctp(5060, 5060, [{ tsn: 1, begin: true, end: false, data: sc.subarray(0, 50) }]), { protocol: 132 })));
  w.epb(0, us(5100), ethernet(ipv4(A, B, sctp(5060, 5060, [{ tsn: 2, begin: false, end: true, data: sc.subarray(50) }]), { protocol: 132 })));
  // HEP3 inside UDP on an arbitrary port.
  const inner = sipMessage('SIP/2.0 180 Ringing', 'hep-1');
  w.epb(0, us(6000), ethernet(ipv4('10.9.9.9', B, udp(41000, 9999, hep3(inner, { sec: 1_700_000_000, usec: 5_000, captureId: 2001 })))));
  // The UDP INVITE again 0.6 s later: a SIP retransmission (kept, flagged).
  w.epb(0, us(600_000), eth(ipv4(A, B, udp(5060, 5060, UDP_INVITE), { id: 4243 })));
  // A frame cut by the snaplen.
  const cut = ethernet(ipv4(A, B, udp(5060, 5060, sipMessage('NOTIFY sip:cut@x SIP/2.0', 'cut-1', 'x'.repeat(200)))));
  w.epb(0, us(700_000), cut.subarray(0, cut.length - 100), cut.length);
  return w.build();
}

const byCall = (chunks: Chunk[]) => new Map(chunks.map((c) => [c['call-id'], c]));

test('every layer end to end: QinQ, capture duplicate, IPv4/IPv6 fragments, SLL2, TCP cases, SCTP, HEP, retransmission, truncation', async () => {
  const file = buildCapture();
  for (const size of [file.length, 97]) {
    const ctx = testContext();
    const chunks = await collect(readCaptureFile(pieces(file, size), ctx));
    const calls = chunks.map((c) => c['call-id']);
    assert.deepEqual(calls, ['qinq-1', 'frag-1', 'v6-1', 'tcp-1', 'tcp-2', 'tcp-3', 'tcp-4', 'sctp-1', 'hep-1', 'qinq-1', 'cut-1'], `piece size ${size}`);
    const m = byCall(chunks);
    const q = chunks[0]!;
    assert.equal(q.src, `${A}:5060`);
    assert.equal(q.dst, `${B}:5060`);
    assert.equal(q.transport, 'udp');
    assert.equal(q.capture?.vlan, 10);
    assert.equal(q.ts, (T0 * 1000n).toString());
    assert.equal(q.ref_ts, q.ts);
    assert.deepEqual(q.source, { frame: 1, offset: chunks[0]!.source!.offset });
    assert.equal(chunks[9]!.flags?.includes('retransmission'), true);
    assert.equal(q.flags, undefined);
    const frag = m.get('frag-1')!;
    assert.equal(frag.label, 'INVITE sip:frag@x SIP/2.0');
    assert.ok(frag.flags?.includes('ip-reassembled'));
    assert.ok(frag.raw.includes('a=rtpmap:79 codec79/8000'));
    assert.equal(frag.src, `${A}:5062`);
    const v6 = m.get('v6-1')!;
    assert.equal(v6.src, '[2001:db8::1]:5060');
    assert.equal(v6.dst, '[2001:db8::2]:5080');
    assert.equal(m.get('tcp-1')!.transport, 'tcp');
    assert.equal(m.get('tcp-4')!.ts, ((T0 + 3500n) * 1000n).toString(), 'the completing segment gives the time');
    assert.equal(m.get('sctp-1')!.transport, 'sctp');
    const hep = m.get('hep-1')!;
    assert.equal(hep.src, '10.1.1.1:5060');
    assert.equal(hep.dst, '10.2.2.2:5062');
    assert.equal(hep.parser, 'hep:10.9.9.9#2001');
    assert.equal(hep.ts, (1_700_000_000_005_000n * 1000n).toString());
    assert.equal(hep.ref_ts, ((T0 + 6000n) * 1000n).toString());
    assert.ok(m.get('cut-1')!.flags?.includes('truncated'));
    assert.equal(ctx.skips['capture duplicate (same packet seen twice)'], 1);
    assert.equal(ctx.skips['tcp retransmission'], 1);
    assert.equal(ctx.skips['tcp bytes that are not sip (resync)'], 1);
    assert.equal(ctx.skips['rtp/rtcp datagram (not sip)'], 1);
    assert.equal(ctx.skips['udp datagram that is not sip'], 1);
    assert.ok(chunks.every((c) => c.parser === '/captures/test.pcap' || c.parser.startsWith('hep:')));
  }
});

test('resume: records before startOffset are decoded but not emitted; the two runs add up', async () => {
  const file = buildCapture();
  const first = testContext();
  const all = await collect(readCaptureFile(pieces(file, 600), first));
  assert.ok(first.checkpoints.length > 3);
  const mid = first.checkpoints[Math.floor(first.checkpoints.length / 2)]!;
  const ctx = testContext(mid);
  const rest = await collect(readCaptureFile(pieces(file, 600), ctx));
  assert.ok(rest.length > 0 && rest.length < all.length);
  assert.deepEqual(rest.map((c) => c.id), all.filter((c) => c.source!.offset! >= mid).map((c) => c.id));
  assert.ok(ctx.checkpoints.every((o) => o > mid));
});

test('classic pcap with a cut final record; garbage input; an empty file never throws', async () => {
  const rec = ethernet(ipv4(A, B, udp(5060, 5060, UDP_INVITE)));
  const file = pcapFile([{ sec: 1, frac: 0, data: rec }, { sec: 2, frac: 0, data: rec }]);
  const ctx = testContext();
  const chunks = await collect(readCaptureFile(pieces(file.subarray(0, file.length - 20)), ctx));
  assert.equal(chunks.length, 1);
  assert.equal(ctx.skips['pcap record cut at end of file'], 1);
  const g = testContext();
  assert.equal((await collect(readCaptureFile(pieces(Buffer.alloc(100, 0x41)), g))).length, 0);
  assert.equal(g.skips['not a pcap file (bad magic)'], 1);
  const e = testContext();
  assert.equal((await collect(readCaptureFile(pieces(Buffer.alloc(0)), e))).length, 0);
  assert.equal(e.skips['capture file shorter than its header'], 1);
});

test('WebSocket inside TCP after the HTTP upgrade, IP-in-IP and GRE tunnels to the innermost addresses', async () => {
  const get = Buffer.from('GET / HTTP/1.1\r\nUpgrade: websocket\r\nSec-WebSocket-Protocol: sip\r\n\r\n');
  const sipMsg = sipMessage('REGISTER sip:ws@x SIP/2.0', 'ws-1');
  const mask = Buffer.from([1, 2, 3, 4]);
  const head = Buffer.from([0x81, 0x80 | 126, sipMsg.length >> 8, sipMsg.length & 255]);
  const frame = Buffer.concat([head, mask, Buffer.from(sipMsg.map((x, i) => x ^ mask[i & 3]!))]);
  const inner = ipv4('10.0.0.1', '10.0.0.2', udp(5060, 5060, sipMessage('INVITE sip:ipip@x SIP/2.0', 'ipip-1')));
  const gre = Buffer.concat([u16(0x2000), u16(0x6558), u32(0), ethernet(ipv4('10.3.3.3', '10.4.4.4', udp(5070, 5080, sipMessage('BYE sip:gre@x SIP/2.0', 'gre-1'))))]);
  const file = pcapFile([
    { sec: 1, frac: 0, data: ethernet(ipv4(A, B, tcp(43380, 8080, 1, get), { protocol: 6 })) },
    { sec: 1, frac: 1, data: ethernet(ipv4(A, B, tcp(43380, 8080, 1 + get.length, frame), { protocol: 6 })) },
    { sec: 2, frac: 0, data: ethernet(ipv4('172.16.0.1', '172.16.0.2', inner, { protocol: 4 })) },
    { sec: 3, frac: 0, data: ethernet(ipv4('172.16.0.1', '172.16.0.2', gre, { protocol: 47 })) },
    { sec: 4, frac: 0, data: ethernet(ipv6('2001:db8::a', '2001:db8::b', inner, 4)) },
  ]);
  const chunks = await collect(readCaptureFile(pieces(file), testContext()));
  assert.deepEqual(chunks.map((c) => [c['call-id'], c.transport, c.src, c.dst]), [
    ['ws-1', 'ws', `${A}:43380`, `${B}:8080`],
    ['ipip-1', 'udp', '10.0.0.1:5060', '10.0.0.2:5060'],
    ['gre-1', 'udp', '10.3.3.3:5070', '10.4.4.4:5080'],
    ['ipip-1', 'udp', '10.0.0.1:5060', '10.0.0.2:5060'],
  ]);
});

test('readHepStream: HEP3 packets back to back, garbage between them skipped', async () => {
  const p1 = hep3(sipMessage('INVITE sip:h@x SIP/2.0', 'hs-1'), { sec: 1_600_000_000, usec: 1, captureId: 7 });
  const p2 = hep3(sipMessage('SIP/2.0 100 Trying', 'hs-1'), { sec: 1_600_000_000, usec: 2, captureId: 7 });
  const ctx = testContext(0, '/dumps/hep.bin');
  const chunks = await collect(readHepStream(pieces(Buffer.concat([p1, Buffer.from('junk'), p2]), 5), ctx));
  assert.deepEqual(chunks.map((c) => c.label), ['INVITE sip:h@x SIP/2.0', 'SIP/2.0 100 Trying']);
  assert.equal(chunks[1]!.ts, '1600000000000002000');
  assert.equal(chunks[0]!.parser, 'hep:/dumps/hep.bin#7');
  assert.equal(ctx.skips['bytes between hep packets (not hep)'], 1);
  assert.equal(chunks[1]!.source?.offset, p1.length + 4);
});

test('CLI: a gzip-compressed capture is ingested through the driver', async () => {
  const dir = tempDir();
  const path = join(dir, 'synthetic.pcapng.gz');
  writeFileSync(path, gzipSync(buildCapture()));
  const r = await runCli(['ingest', path, '--store', tempStore(), '--json']);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.inputs[0].format, 'pcapng');
  assert.match(out.inputs[0].rule, /^gzip/);
  assert.equal(out.inputs[0].chunks, 11);
  assert.equal(out.inputs[0].skipped['capture duplicate (same packet seen twice)'], 1);
});
