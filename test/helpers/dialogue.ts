// A small hand-built dialogue for the renderer tests: a UA, a proxy and a callee; a message
// seen by two capture points, a retransmission, a truncated message, a Kamailio log line
// without addresses, a self-arrow and a message without a destination. With `evil`, the
// From display name, a User-Agent and a label carry markup and terminal escapes.
import { chunkId, md5hex, timeFields, type Chunk } from '../../src/model/chunk.js';
import { parseEndpoint } from '../../src/model/address.js';
import { chunkFromSip } from '../../src/sip/chunk-builder.js';
import { dialogEntities } from '../../src/dialogue/build.js';
import type { Dialogue, DialogueMessage } from '../../src/dialogue/types.js';

export const UA = '10.0.0.1:5060';
export const PROXY = '10.0.0.2:5060';
export const CALLEE = '10.0.0.3:5060';
export const T0 = 1_700_000_000_000_000_000n; // 2023-11-14T22:13:20Z
export const XSS_SCRIPT = '<script>window.__pwned=1</script>';
export const XSS_IMG = '"><img src=x onerror="window.__pwned=2">';

const CALL_ID = 'a84b4c76e66710@pc33.example.com';

function sip(startLine: string, opts: { cseq: string; sdp?: boolean; evil?: boolean; branch?: string }): Buffer {
  const body = opts.sdp ? 'v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n' : '';
  const from = opts.evil ? `"${XSS_SCRIPT}" <sip:alice@example.com>;tag=1928301774` : '"Alice" <sip:alice@example.com>;tag=1928301774';
  const lines = [
    startLine,
    `Via: SIP/2.0/UDP 10.0.0.1:5060;branch=${opts.branch ?? 'z9hG4bK776asdhds'}`,
    `From: ${from}`,
    'To: <sip:bob@example.com>',
    `Call-ID: ${CALL_ID}`,
    `CSeq: ${opts.cseq}`,
    ...(opts.evil ? [`User-Agent: ${XSS_IMG} \u001b[31mred\u001b[0m`] : []),
    ...(opts.sdp ? ['Content-Type: application/sdp'] : []),
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    body,
  ];
  return Buffer.from(lines.join('\r\n'));
}

function obs(payload: Buffer, parser: string, t: bigint, src?: string, dst?: string, flags?: string[]): Chunk {
  return chunkFromSip(payload, {
    parser, nodeTime: t,
    src: src && src !== '?' ? parseEndpoint(src) : undefined,
    dst: dst && dst !== '?' ? parseEndpoint(dst) : undefined,
    flags,
  });
}

function logChunk(text: string[], label: string, t: bigint, src?: string, dst?: string): Chunk {
  const hash = md5hex(text.join('\n')).slice(0, 16);
  return {
    'call-id': CALL_ID, ...timeFields(t, t), label, raw: text, src, dst,
    parser: '/var/log/kamailio.log', id: chunkId('/var/log/kamailio.log', t, hash), kind: 'log', hash,
  };
}

const ms = (n: number) => T0 + BigInt(Math.round(n * 1e6));

export function sampleDialogue(opts: { evil?: boolean } = {}): Dialogue {
  const evil = Boolean(opts.evil);
  const inv = sip('INVITE sip:bob@example.com;transport=udp SIP/2.0', { cseq: '1 INVITE', sdp: true, evil });
  const inv2 = sip('INVITE sip:bob@10.0.0.3:5060 SIP/2.0', { cseq: '1 INVITE', sdp: true, evil, branch: 'z9hG4bKproxy1' });
  const ok = sip('SIP/2.0 200 OK', { cseq: '1 INVITE', sdp: true, evil });
  const items: [Chunk[], bigint, Partial<DialogueMessage>?][] = [
    [[obs(inv, 'pcap-ua', ms(0), UA, PROXY), obs(inv, 'pcap-proxy', ms(1500.4), UA, PROXY)], ms(0.4)],
    [[obs(sip('SIP/2.0 100 Trying', { cseq: '1 INVITE' }), 'pcap-proxy', ms(1501), PROXY, UA)], ms(1)],
    [[obs(inv2, 'pcap-proxy', ms(1502), PROXY, CALLEE)], ms(2)],
    [[obs(inv2, 'pcap-proxy', ms(2002), PROXY, CALLEE)], ms(502), { retransmissionOf: 2 }],
    [[obs(sip('SIP/2.0 180 Ringing', { cseq: '1 INVITE', evil }), 'pcap-proxy', ms(2010), CALLEE, PROXY)], ms(510)],
    [[obs(sip('SIP/2.0 180 Ringing', { cseq: '1 INVITE' }), 'pcap-proxy', ms(2011), PROXY, UA)], ms(511)],
    [[logChunk(['end|routing to contact sip:bob@10.0.0.3:5060'], evil ? `routing ${XSS_SCRIPT}` : 'routing to contact sip:bob@10.0.0.3:5060', ms(600))], ms(600)],
    [[obs(ok, 'pcap-proxy', ms(4000), CALLEE, PROXY, ['truncated'])], ms(2500)],
    [[obs(ok, 'pcap-proxy', ms(4001), PROXY, UA)], ms(2501)],
    [[obs(sip('ACK sip:bob@10.0.0.3:5060 SIP/2.0', { cseq: '1 ACK' }), 'pcap-ua', ms(2600), UA, PROXY)], ms(2600)],
    [[obs(sip('OPTIONS sip:10.0.0.2:5060 SIP/2.0', { cseq: '7 OPTIONS' }), 'pcap-proxy', ms(5000), PROXY, PROXY)], ms(3500)],
    [[logChunk(['start|received internal reply 407 Proxy Authentication Required', 'pass|10.0.0.1:5060'], '407 Proxy Authentication Required', ms(3600), PROXY, UA)], ms(3600)],
    [[obs(sip('BYE sip:alice@10.0.0.1:5060 SIP/2.0', { cseq: '2 BYE' }), 'pcap-proxy', ms(65000), CALLEE, undefined)], ms(63500), { note: 'no destination address; placed by time' }],
  ];
  const messages: DialogueMessage[] = items.map(([observations, time, extra], index) => ({
    index, chunk: observations[0]!, observations, time,
    src: observations[0]!.src, dst: observations[0]!.dst, ...extra,
  }));
  return {
    callIds: [CALL_ID],
    messages,
    clocks: [
      { parser: 'pcap-ua', offset: 0n, support: 0, method: 'reference', chunks: 2 },
      { parser: 'pcap-proxy', offset: -1_500_000_000n, support: 1, method: 'shared', chunks: 10 },
      { parser: '/var/log/kamailio.log', offset: 0n, support: 0, method: 'none', chunks: 2 },
    ],
    entities: dialogEntities(messages),
    duplicatesDropped: 1,
    notes: ['pcap-proxy aligned to pcap-ua on 1 shared message'],
  };
}
