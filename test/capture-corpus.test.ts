// Every corpus capture through the capture reader, against tshark's count of SIP frames.
// The tshark counts were recorded ONCE (Debian tshark 4.0.17) with:
//   tshark -r FILE -Y sip -d tcp.port==6060,sip | wc -l
// (the decode-as hint only matters for heplify__sip_ipv4_tcp_fragmented.pcap, CORPUS.md §2.7).
// tshark has no HEP dissector, so it reports 0 for corpus/hep; the expected HEP counts are the
// distinct HEP packets of CORPUS.md §3 (20: 6 SIP + 1 LOG kept, 1 RTCP skipped; 21: 7 distinct
// packets, each captured 3 times).
// Stored = tshark − what is provably not a distinct message: in heplify__FAX… 23 SIP frames are
// in-capture copies (same bytes, addresses and IP id, 0.26–1.43 ms after the first; checked with
// `tshark -Y sip -T fields -e frame.time_epoch -e ip.id -e ip.src -e ip.dst -e udp.payload`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { readCaptureFile } from '../src/capture/reader.js';
import type { Chunk } from '../src/model/chunk.js';
import { corpusFile, corpusSkip } from './helpers/corpus.js';
import { runCli, tempStore } from './helpers/cli.js';
import { testContext } from './helpers/packets.js';

interface Expect {
  tshark: number;
  stored: number;
  /** Why stored < tshark, as skip reason → count. */
  explained?: Record<string, number>;
  callIds: string[] | number;
  /** [frame, label, src, dst, transport] of some chunks. */
  sample: [number, string, string, string, string][];
  flags?: [number, string][];
}

const EXPECT: Record<string, Expect> = {
  'pcap/sngrep__aaa.pcap': {
    tshark: 81, stored: 81,
    callIds: ['24487391-449bf2a0@192.168.1.2', '85216695-42dcdb1d@192.168.1.2', '11894297-4432a9f8@192.168.1.2', '105090259-446faf7a@192.168.1.2', '578222729-4665d775@578222732-4665d772', '29858147-465b0752@29858051-465b07b2'],
    sample: [[19, 'REGISTER sip:sip.cybercity.dk SIP/2.0', '192.168.1.2:5060', '212.242.33.35:5060', 'udp'], [650, 'SIP/2.0 200 OK', '212.242.33.35:5060', '192.168.1.2:5060', 'udp']],
    flags: [[225, 'retransmission']],
  },
  'pcap/sngrep__ipip.pcap': {
    tshark: 4, stored: 4, callIds: ['1RLuVzzBClYCf2'],
    sample: [[1, 'INVITE sip:1bdaa608131517540001@172.28.1.3;transport=tcp SIP/2.0', '10.15.197.103:5090', '10.15.193.31:33093', 'tcp'], [2, 'SIP/2.0 183 Ringing', '10.15.193.31:33093', '10.15.197.103:5090', 'tcp']],
  },
  'pcap/sngrep__ipv6frag.pcap': {
    tshark: 32, stored: 32, callIds: ['71846-1647924829-397430@fd17:625c:f037:2:a00:27ff:feb9:1521'],
    sample: [[2, 'INVITE sip:08019200028@[fd17:625c:f037:2:a00:27ff:feb9:4222]:25060 SIP/2.0', '[fd17:625c:f037:2:a00:27ff:feb9:1521]:15060', '[fd17:625c:f037:2:a00:27ff:feb9:3519]:5062', 'udp']],
    flags: [[2, 'ip-reassembled'], [5, 'ip-reassembled'], [27, 'retransmission']],
  },
  'pcap/heplify__FAX-Call-t38-CA-TDM-SIP-FB-1.pcap': {
    tshark: 92, stored: 69, explained: { 'capture duplicate (same packet seen twice)': 23 },
    callIds: ['00e9d4a500e9d48-0015-0001-0000-0000@10.35.40.25', 'SD4909701-9ff11bf72eb4a347c92974d8fbbc2668-ao8o3i1', '1111-2222-3333-4444@1.1.1.1'],
    sample: [[23, 'INVITE sip:061963177-ikhuuep5bi123@10.35.60.100:5060;transport=udp SIP/2.0', '10.35.60.72:5060', '10.35.60.100:5060', 'udp'], [7208, 'SIP/2.0 200 OK', '10.35.40.200:5060', '10.35.40.25:5060', 'udp']],
  },
  'pcap/heplify__erspan_sip_ipv4_udp.pcapng': {
    tshark: 140, stored: 140,
    callIds: ['bf2a48-0-16e4-5af571f6-60cfe7b2-5af571f6@101.231.48.19', 'bfd6f0-0-16e4-5af571ec-4a76665a-5af571ec@101.231.48.19', 'bf3880-0-16e4-5af571fa-38bc4ba4-5af571fa@101.231.48.19', 'bf3a88-0-16e4-5af57200-27796292-5af57200@101.231.48.19', 'bf3060-0-16e4-5af571e2-2be02648-5af571e2@101.231.48.19', 'ddd141f1d982d8989fb73db754a8fbb7@192.168.1.191', 'cdfef7c7647e97e4ff66fbf504c524e4@192.168.1.191'],
    sample: [[1, 'SUBSCRIBE sip:20008909@101.231.48.19:5260 SIP/2.0', '180.173.83.248:53221', '101.231.48.19:5260', 'udp'], [140, 'SIP/2.0 481 Call Leg/Transaction Does Not Exist', '101.231.48.19:5260', '180.173.83.248:53221', 'udp']],
  },
  'pcap/heplify__sip_ipv4_tcp.pcap': {
    tshark: 7, stored: 7, callIds: ['158936656982201062716@10.33.6.100'],
    sample: [[3, 'INVITE sip:201@10.33.6.101;user=phone SIP/2.0', '10.33.6.100:64802', '10.33.6.101:5060', 'tcp']],
  },
  'pcap/heplify__sip_ipv4_tcp_fragmented.pcap': {
    tshark: 406, stored: 406, callIds: 70,
    sample: [[2, 'INVITE sip:699818@10.186.205.131:6060;transport=tcp SIP/2.0', '10.186.207.1:37398', '10.186.205.131:6060', 'tcp'], [1541, 'SIP/2.0 180 Ringing', '10.186.205.133:6060', '10.186.207.1:60722', 'tcp']],
  },
  'pcap/heplify__sip_ipv4_tcp_retrans.pcap': {
    tshark: 8, stored: 8, callIds: ['1c35908a84584771bcc93bd496e0a852'],
    sample: [[28, 'REGISTER sip:172.168.0.228;transport=tcp SIP/2.0', '172.168.0.252:52795', '172.168.0.228:5060', 'tcp'], [36, 'SIP/2.0 200 OK', '172.168.0.228:5060', '172.168.0.252:52795', 'tcp']],
  },
  'pcap/heplify__sip_ipv6_udp.pcap': {
    tshark: 6, stored: 6, callIds: ['c3eF6f58-363323Cd-8058EB88-10300252@fe80:0:0:0:21a:a0ff:fe07:32e0'],
    sample: [[1, 'INVITE sip:4321@fec0:0:0:0:216:d3ff:fe0d:22c:5060 SIP/2.0', '[fe80::21a:a0ff:fe07:32e0]:5060', '[fec0::216:d3ff:fe0d:22c]:5060', 'udp']],
  },
  'pcap/heplify__sip_sctp.pcap': {
    tshark: 4, stored: 4, callIds: ['717B2539AD2002C9152DC497@0870ffffffff'],
    sample: [[2, 'INVITE sip:9275890000@VMSSM;user=phone SIP/2.0', '10.249.30.11:57098', '10.108.207.113:5060', 'sctp']],
  },
  'pcap/heplify__sip_tcp_websocket.pcap': {
    tshark: 39, stored: 39, callIds: ['kovfhoptshgn59q712sr', '926ffd16-6154-1237-09ba-0270b3230128', '455c5fcd57ea6b6e-8191@0.0.0.0'],
    sample: [[1, 'OPTIONS sip:10.243.0.143:5060 SIP/2.0', '10.243.0.157:5070', '10.243.0.143:5060', 'udp']],
  },
  'pcap/heplify__rtp_rtcp_sip.pcap': {
    tshark: 14, stored: 14, callIds: ['12013223@200.57.7.195', '12015624@200.57.7.195', '46E1C3CB36304F84A020CF6DD3F96461@Verso.com', 'D3A26FC3974B44ECB5A96E07282903E3@bestel.com'],
    sample: [[1, 'INVITE sip:francisco@bestel.com:55060 SIP/2.0', '200.57.7.195:5060', '200.57.7.204:5061', 'udp']],
  },
  'pcap/heplify__ipip0.pcap': {
    tshark: 8, stored: 8, callIds: ['lDfyXDPzYrxPTpqAz12DQ5..@179.43.150.26', '4sHr4rbxLEYDZTMZ3ulI4f..@179.43.150.26', 'e5f4a617104444e4f7a54'],
    sample: [[1, 'INVITE sip:+3908351673002@157.161.10.72:5060 SIP/2.0', '179.43.150.26:33489', '157.161.10.72:5060', 'udp'], [8, 'SIP/2.0 401 Unauthorized', '157.161.10.73:5060', '5.148.125.101:5060', 'udp']],
  },
  'pcap/pcapplusplus__sip_reqs.pcap': {
    tshark: 4, stored: 4, callIds: ['12013223@200.57.7.195', '2091060b-146f-e011-809a-0019cb53db77@admind-desktop', '1-4247@10.0.2.20'],
    sample: [[4, 'BYE sip:sipp@10.0.2.20:5060 SIP/2.0', '10.0.2.15:5060', '10.0.2.20:5060', 'udp']],
  },
  'pcap/pcapplusplus__sip_resp.pcap': {
    tshark: 7, stored: 7, callIds: ['12013223@200.57.7.195', '434981653', '93803593', '1831883062', '198676278'],
    sample: [[1, 'SIP/2.0 100 Trying', '200.57.7.204:5061', '200.57.7.195:5060', 'udp'], [7, 'SIP/2.0 503 Service Unavailable', '10.129.34.51:5060', '10.3.160.214:5060', 'udp']],
  },
  'pcap/pcapplusplus__sip_non_default_port.pcap': {
    tshark: 2, stored: 2, callIds: ['0c3bab2cebe34ec997a80daa4346b393', '0c1fb1c5-59f5-123f-1ab0-005056a58049'],
    sample: [[1, 'INVITE sip:1006@192.168.21.83:52380 SIP/2.0', '192.168.20.68:53309', '192.168.21.83:52380', 'udp']],
  },
  'pcap/zeek__sip-junk-before-request.pcap': {
    tshark: 1, stored: 1, callIds: [],
    sample: [[2, 'REGISTER sip:1.1.1.1:5060 SIP/2.0', '1.1.1.1:31000', '1.1.1.2:5060', 'udp']],
    flags: [[2, 'no-call-id']],
  },
  'pcap/zeek__invalid-content-length.pcap': {
    tshark: 2, stored: 2, callIds: ['a84b4c76e66710@10.0.0.1'],
    sample: [[1, 'INVITE sip:bob@10.0.0.2 SIP/2.0', '10.0.0.1:5060', '10.0.0.2:5060', 'udp']],
    flags: [[1, 'bad-content-length']],
  },
  'pcap/zeek__sip-long-request-response-paths.pcap': {
    tshark: 2, stored: 2, callIds: ['path-growth@example.com'],
    sample: [[1, 'OPTIONS sip:bob@example.com SIP/2.0', '192.0.2.10:50600', '198.51.100.20:5060', 'udp']],
  },
  'hep/hep-wireshark__hep.pcap': {
    tshark: 0, stored: 7, callIds: ['qgf3dm9rudi@127.0.0.1'],
    sample: [[1, 'INVITE sip:nodejs@127.0.0.1 SIP/2.0', '192.168.1.1:5060', '192.168.1.2:5060', 'udp']],
  },
  'hep/hep-wireshark__hep3_compressed.pcap.pcapng': {
    tshark: 0, stored: 7, explained: { 'capture duplicate (same hep packet seen twice)': 14 },
    callIds: ['8fc0ff7e-9f0feb00-6245ba21@192.168.137.1'],
    sample: [[1, 'REGISTER sip:rcs.st SIP/2.0', '192.168.137.1:54345', '192.168.137.247:5060', 'tcp'], [19, 'SIP/2.0 200 OK', '192.168.137.247:5070', '192.168.137.247:5060', 'tcp']],
  },
};

async function readFile(rel: string) {
  const ctx = testContext(0, corpusFile(rel));
  const chunks: Chunk[] = [];
  for await (const c of readCaptureFile(createReadStream(corpusFile(rel), { highWaterMark: 64 * 1024 }), ctx)) chunks.push(c);
  return { chunks, ctx };
}

for (const [rel, e] of Object.entries(EXPECT)) {
  test(`corpus ${rel}: ${e.stored} messages (tshark ${e.tshark})`, { skip: corpusSkip(rel) }, async () => {
    const { chunks, ctx } = await readFile(rel);
    assert.equal(chunks.length, e.stored);
    const explained = Object.values(e.explained ?? {}).reduce((a, b) => a + b, 0);
    if (rel.startsWith('pcap/')) assert.equal(chunks.length, e.tshark - explained, 'stored = tshark − what is not a distinct message');
    for (const [reason, n] of Object.entries(e.explained ?? {})) assert.equal(ctx.skips[reason], n, reason);
    const ids = new Set(chunks.map((c) => c['call-id']).filter((x) => x !== undefined));
    if (typeof e.callIds === 'number') assert.equal(ids.size, e.callIds);
    else assert.deepEqual([...ids].sort(), [...e.callIds].sort());
    for (const [frame, label, src, dst, transport] of e.sample) {
      const c = chunks.find((x) => x.source?.frame === frame && x.label === label);
      assert.ok(c, `frame ${frame}: ${label}`);
      assert.deepEqual([c.src, c.dst, c.transport], [src, dst, transport], `frame ${frame}`);
    }
    for (const [frame, flag] of e.flags ?? []) {
      assert.ok(chunks.some((c) => c.source?.frame === frame && c.flags?.includes(flag)), `frame ${frame} flagged ${flag}`);
    }
    // Frame times never go backwards in the corpus: neither may chunk times (exact BigInt ns).
    for (let i = 1; i < chunks.length; i++) assert.ok(BigInt(chunks[i]!.ref_ts) >= BigInt(chunks[i - 1]!.ref_ts));
  });
}

test('corpus: exact times above 2^31 s and above 2^53 ns', { skip: corpusSkip('hep/hep-wireshark__hep3_compressed.pcap.pcapng') }, async () => {
  const v6 = (await readFile('pcap/heplify__sip_ipv6_udp.pcap')).chunks;
  assert.equal(v6[5]!.ts, '3867576602251758000', 'ts_sec read unsigned (2092)');
  const hc = (await readFile('hep/hep-wireshark__hep3_compressed.pcap.pcapng')).chunks;
  const ref = BigInt(hc[0]!.ref_ts);
  assert.ok(ref > 2n ** 53n);
  assert.notEqual(ref % 1000n, 0n, 'if_tsresol 9: nanosecond digits are kept');
});

test('corpus: every capture ingested once through the CLI; summary counts match', { skip: corpusSkip() }, async () => {
  const store = tempStore();
  for (const [rel, e] of Object.entries(EXPECT)) {
    const r = await runCli(['ingest', corpusFile(rel), '--store', store, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(r.stdout).inputs[0];
    assert.equal(s.status, 'ok', rel);
    assert.equal(s.chunks, e.stored, rel);
    // Cross-file copies exist (heplify__rtp_rtcp_sip vs pcapplusplus__*, CORPUS.md §2.12) but
    // each file has its own capture point, so every chunk of a file is new to the store.
    assert.equal(s.written, e.stored, rel);
    for (const [reason, n] of Object.entries(e.explained ?? {})) assert.equal(s.skipped[reason], n, `${rel}: ${reason}`);
  }
});
