// Media rules on real messages: the T.38 re-INVITE refused with 488 (FAX capture), hold and
// resume through the erspan SBC, RFC 1918 addresses and NAT in sngrep__aaa, SDP parsing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeDialogue } from '../src/analysis/analyze.js';
import { parseSdp, sdpCodecs, sdpDirection } from '../src/analysis/sdp.js';
import { isPrivateAddress, isPublicAddress } from '../src/analysis/media.js';
import { corpusFile, corpusSkip, fixture } from './helpers/corpus.js';
import { analyzeCall, callChunks, dialogueOf, findingOf, ingestInto } from './helpers/analysis-store.js';

test('SDP: rtpmap names, static payload names, direction, hold by 0.0.0.0', () => {
  const sdp = parseSdp('v=0\r\no=- 1 1 IN IP4 192.168.1.2\r\ns=-\r\nc=IN IP4 192.168.1.2\r\nt=0 0\r\nm=audio 30000 RTP/AVP 0 8 97\r\na=rtpmap:97 iLBC/8000\r\na=sendonly\r\nm=video 0 RTP/AVP 31\r\n');
  assert.deepEqual(sdpCodecs(sdp), ['audio:PCMU/8000', 'audio:PCMA/8000', 'audio:iLBC/8000']);
  assert.equal(sdpDirection(sdp), 'sendonly');
  assert.equal(sdp.media[0]!.connection, '192.168.1.2');
  assert.equal(sdpDirection(parseSdp('c=IN IP4 0.0.0.0\r\nm=audio 4000 RTP/AVP 0\r\n')), 'sendonly');
  assert.equal(isPrivateAddress('172.20.1.1'), true);
  assert.equal(isPrivateAddress('172.32.1.1'), false);
  assert.equal(isPublicAddress('212.242.33.35'), true);
  assert.equal(isPublicAddress('127.0.0.1'), false);
});

test('FAX capture: 488 to the T.38 re-INVITE with what was offered and what was agreed before', { skip: corpusSkip('pcap/heplify__FAX-Call-t38-CA-TDM-SIP-FB-1.pcap') }, async (t) => {
  const s = await ingestInto([corpusFile('pcap/heplify__FAX-Call-t38-CA-TDM-SIP-FB-1.pcap')]);
  if (s.unreadable) return t.skip(s.unreadable);
  for (const id of ['00e9d4a500e9d48-0015-0001-0000-0000@10.35.40.25', 'SD4909701-9ff11bf72eb4a347c92974d8fbbc2668-ao8o3i1']) {
    const a = await analyzeCall(s, id);
    const f = findingOf(a, 'media-rejected');
    assert.equal(f.severity, 'error');
    assert.equal(f.details!.status, 488);
    assert.deepEqual(f.details!.offered, ['image:t38']);
    assert.deepEqual(f.details!.answered, ['audio:PCMA/8000']);
    assert.match(f.message, /^488 Not Acceptable Here to re-INVITE \(CSeq 3\)/);
    assert.equal(a.outcome.outcome, 'answered'); // the call itself was answered
  }
});

test('erspan SBC: hold (sendonly) and resume (sendrecv) re-INVITEs on both sides', { skip: corpusSkip('pcap/heplify__erspan_sip_ipv4_udp.pcapng') }, async (t) => {
  const s = await ingestInto([corpusFile('pcap/heplify__erspan_sip_ipv4_udp.pcapng')]);
  if (s.unreadable) return t.skip(s.unreadable);
  const a = await analyzeCall(s, 'cdfef7c7647e97e4ff66fbf504c524e4@192.168.1.191');
  const holds = a.findings.filter((f) => f.rule === 'hold').map((f) => `${f.details!.from}→${f.details!.to}`);
  assert.deepEqual(holds.sort(), ['sendonly→sendrecv', 'sendonly→sendrecv', 'sendrecv→sendonly', 'sendrecv→sendonly']);
});

test('sngrep__aaa: private Contact and SDP address sent to the provider, and the NAT the Via shows', { skip: corpusSkip('pcap/sngrep__aaa.pcap') }, async (t) => {
  const s = await ingestInto([corpusFile('pcap/sngrep__aaa.pcap')]);
  if (s.unreadable) return t.skip(s.unreadable);
  const a = await analyzeCall(s, '11894297-4432a9f8@192.168.1.2');
  const priv = a.findings.filter((f) => f.rule === 'private-address').map((f) => f.details!.where).sort();
  assert.deepEqual(priv, ['Contact', 'SDP c= (audio)']);
  const nat = findingOf(a, 'contact-mismatch');
  assert.deepEqual([nat.details!.sent_by, nat.details!.received], ['192.168.1.2', '80.230.219.70']);
  // The registrar's 200 lists bindings: not the sender's Contact, no finding for it.
  const reg = await analyzeCall(s, '29858147-465b0752@29858051-465b07b2');
  assert.ok(reg.findings.filter((f) => f.rule === 'private-address').every((f) => !String(f.message).startsWith('200')));
});

test('sipp/Kamailio: an answer with its SDP removed is an offer without answer', async (t) => {
  const s = await ingestInto([fixture('sipp/answered.pcap')]);
  if (s.unreadable) return t.skip(s.unreadable);
  const chunks = await callChunks(s, s.callIds[0]!);
  assert.equal(analyzeDialogue(dialogueOf(chunks)).findings.some((f) => f.rule === 'offer-no-answer'), false);
  const stripped = chunks.map((c) => (c.status === 200 && c.cseq_method === 'INVITE'
    ? { ...c, raw: c.raw.slice(0, c.raw.indexOf('')).filter((l) => !/^content-(type|length)/i.test(l)).concat('Content-Length: 0') } : c));
  const f = findingOf(analyzeDialogue(dialogueOf(stripped)), 'offer-no-answer');
  assert.match(f.message, /INVITE \(CSeq 1\) offered SDP on 127\.0\.0\.1:25050 → 127\.0\.0\.1:25060 but the 200 carried no answer/);
});
