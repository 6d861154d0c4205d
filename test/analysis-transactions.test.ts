// Transaction rules on real messages: sngrep__aaa's retransmitted INVITEs and CANCELs, the 200 OK
// retransmission of sngrep__ipv6frag, erspan's 481s, and real sipp/Kamailio calls with one
// message taken out (the ACK, the BYE's 200) to show the rule that notices it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeDialogue } from '../src/analysis/analyze.js';
import { corpusFile, corpusSkip, fixture } from './helpers/corpus.js';
import { analyzeCall, callChunks, dialogueOf, findingOf, ingestInto } from './helpers/analysis-store.js';

const AAA = 'pcap/sngrep__aaa.pcap';

test('sngrep__aaa: INVITE and CANCEL retransmissions, the CANCEL answered 408 after 33 s', { skip: corpusSkip(AAA) }, async (t) => {
  const s = await ingestInto([corpusFile(AAA)]);
  if (s.unreadable) return t.skip(s.unreadable);
  const a = await analyzeCall(s, '105090259-446faf7a@192.168.1.2');
  const inv = findingOf(a, 'retransmission', (f) => f.details!.method === 'INVITE');
  assert.equal(inv.details!.copies, 3);
  assert.match(inv.message, /first response after 2\.2\d s/);
  const cancel = findingOf(a, 'retransmission', (f) => f.details!.method === 'CANCEL');
  assert.equal(cancel.details!.copies, 11); // CORPUS.md: CANCEL ×11, only one answered
  const failed = findingOf(a, 'cancel-failed');
  assert.match(failed.message, /answered 408 Request Timeout after 3\d\.\d s; the INVITE ended 408/);
  assert.equal(a.findings.some((f) => f.rule === 'cancel-race'), false);
  // The other INVITEs: retransmitted before their 407 (85216695), not after (24487391).
  const b = await analyzeCall(s, '85216695-42dcdb1d@192.168.1.2');
  assert.equal(findingOf(b, 'retransmission').details!.copies, 3);
  const c = await analyzeCall(s, '24487391-449bf2a0@192.168.1.2');
  assert.equal(c.findings.some((f) => f.rule === 'retransmission'), false);
});

test('sngrep__ipv6frag: the genuine 200 OK retransmission, 0.5 s later (T1)', { skip: corpusSkip('pcap/sngrep__ipv6frag.pcap') }, async (t) => {
  const s = await ingestInto([corpusFile('pcap/sngrep__ipv6frag.pcap')]);
  if (s.unreadable) return t.skip(s.unreadable);
  const a = await analyzeCall(s, s.callIds[0]!);
  const f = findingOf(a, 'retransmission', (x) => x.details!.status === 200);
  assert.match(f.message, /200 OK to INVITE retransmitted 1 time .*: the ACK was late or lost/);
});

test('erspan: 481 to NOTIFY and SUBSCRIBE, from the node that does not know the dialog', { skip: corpusSkip('pcap/heplify__erspan_sip_ipv4_udp.pcapng') }, async (t) => {
  const s = await ingestInto([corpusFile('pcap/heplify__erspan_sip_ipv4_udp.pcapng')]);
  if (s.unreadable) return t.skip(s.unreadable);
  const a = await analyzeCall(s, 'bf3060-0-16e4-5af571e2-2be02648-5af571e2@101.231.48.19');
  const r = a.findings.filter((f) => f.rule === '481');
  assert.deepEqual(r.map((f) => f.details!.method).sort(), ['NOTIFY', 'SUBSCRIBE']);
  assert.ok(r.every((f) => f.evidence.length === 2));
});

test('sipp/Kamailio: a clean call has no transaction finding; without its ACK or the BYE\'s 200 it has', async (t) => {
  const s = await ingestInto([fixture('sipp/answered.pcap'), fixture('sipp/timeout.pcap')]);
  if (s.unreadable) return t.skip(s.unreadable);
  const [answered, timeout] = [s.callIds[0]!, s.callIds[1]!];
  const clean = await analyzeCall(s, answered);
  assert.deepEqual(clean.findings.filter((f) => f.severity !== 'info').map((f) => f.rule), []);

  const chunks = await callChunks(s, answered);
  const noAck = analyzeDialogue(dialogueOf(chunks.filter((c) => c.method !== 'ACK')));
  const unacked = findingOf(noAck, '2xx-not-acked');
  assert.match(unacked.message, /200 OK to INVITE \(CSeq 1\) on 127\.0\.0\.1:25060 → 127\.0\.0\.1:25050 never ACKed/);
  assert.equal(unacked.details!.hop, 0); // reported once, on the caller's hop

  const noByeOk = analyzeDialogue(dialogueOf(chunks.filter((c) => !(c.status === 200 && c.cseq_method === 'BYE'))));
  assert.match(findingOf(noByeOk, 'bye-no-200').message, /BYE \(CSeq 2\) on 127\.0\.0\.1:25050 → 127\.0\.0\.1:25060 never answered/);

  // A request after the BYE's 200: the same BYE re-sent 2 s later is the dialogue's afterlife.
  const bye = chunks.find((c) => c.method === 'BYE' && c.src === '127.0.0.1:25050')!;
  const late = { ...bye, id: 'late', ref_ts: String(BigInt(bye.ref_ts) + 2_000_000_000n), ts: String(BigInt(bye.ts) + 2_000_000_000n), cseq_num: 3, c_seq: '3 BYE',
    raw: bye.raw.map((l) => (l.startsWith('CSeq:') ? 'CSeq: 3 BYE' : l.replace(/branch=[^;\s]+/, 'branch=z9hG4bK-late'))), hash: 'late', branch: 'z9hG4bK-late' };
  const after = analyzeDialogue(dialogueOf([...chunks, late]));
  assert.match(findingOf(after, 'after-dialogue-end').message, /^BYE sent after the dialogue ended/);

  // P1's timer: the caller's INVITE got P1's 408; P2's INVITE a 487 (P1 cancelled it).
  const to = await analyzeCall(s, timeout);
  assert.equal(to.findings.some((f) => f.rule === 'invite-no-final'), false);
  assert.equal(to.outcome.generated_by, '127.0.0.1:25060');
});
