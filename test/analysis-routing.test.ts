// Routing rules: Request-URI rewritten along the hops (erspan SBC, the TCP→UDP registrar front),
// in-dialogue requests that drop the recorded route, and loops (483 from a real Kamailio).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeDialogue } from '../src/analysis/analyze.js';
import { corpusFile, corpusSkip, fixture } from './helpers/corpus.js';
import { analyzeCall, callChunks, dialogueOf, findingOf, ingestInto } from './helpers/analysis-store.js';

test('Request-URI rewritten by the registrar front (heplify__sip_ipv4_tcp_retrans)', { skip: corpusSkip('pcap/heplify__sip_ipv4_tcp_retrans.pcap') }, async (t) => {
  const s = await ingestInto([corpusFile('pcap/heplify__sip_ipv4_tcp_retrans.pcap')]);
  if (s.unreadable) return t.skip(s.unreadable);
  const a = await analyzeCall(s, '1c35908a84584771bcc93bd496e0a852');
  const f = findingOf(a, 'ruri-rewritten');
  assert.equal(f.severity, 'info');
  assert.deepEqual([f.details!.from, f.details!.to], ['sip:172.168.0.228;transport=tcp', 'sip:172.168.0.227;transport=udp']);
});

test('sipp/Kamailio: ACK and BYE follow the Record-Route; stripped of their Route they are flagged', async (t) => {
  const s = await ingestInto([fixture('sipp/answered.pcap')]);
  if (s.unreadable) return t.skip(s.unreadable);
  const chunks = await callChunks(s, s.callIds[0]!);
  assert.equal(analyzeDialogue(dialogueOf(chunks)).findings.some((f) => f.rule === 'record-route-not-followed'), false);
  const noRoute = chunks.map((c) => (c.src === '127.0.0.1:25050' && (c.method === 'ACK' || c.method === 'BYE') ? { ...c, raw: c.raw.filter((l) => !/^route:/i.test(l)) } : c));
  const found = analyzeDialogue(dialogueOf(noRoute)).findings.filter((f) => f.rule === 'record-route-not-followed');
  assert.deepEqual(found.map((f) => f.message.split(' ')[0]).sort(), ['ACK', 'BYE']);
  assert.match(found[0]!.message, /carries no Route header although the 200 recorded 2 routes/);
});

test('a 483 Too Many Hops from the proxy is a loop; Max-Forwards run down is one too', async (t) => {
  // The 404 of fixtures/sipp/notfound.pcap, re-labelled 483 as Kamailio's maxfwd module sends it
  // (fixtures/sipp/proxy.cfg), and the caller's INVITE with Max-Forwards 1.
  const s = await ingestInto([fixture('sipp/notfound.pcap')]);
  if (s.unreadable) return t.skip(s.unreadable);
  const chunks = await callChunks(s, s.callIds[0]!);
  const looped = chunks.map((c) => (c.status === 404 ? { ...c, status: 483, reason: 'Too Many Hops', label: 'SIP/2.0 483 Too Many Hops', raw: ['SIP/2.0 483 Too Many Hops', ...c.raw.slice(1)] }
    : c.method === 'INVITE' && c.src === '127.0.0.1:25050' ? { ...c, raw: c.raw.map((l) => (/^max-forwards:/i.test(l) ? 'Max-Forwards: 1' : l)) } : c));
  const a = analyzeDialogue(dialogueOf(looped));
  const loops = a.findings.filter((f) => f.rule === 'loop');
  assert.ok(loops.some((f) => f.details!.status === 483 && f.severity === 'error' && /Max-Forwards ran out/.test(f.message)), JSON.stringify(loops));
  assert.ok(loops.some((f) => f.details!.max_forwards === 1));
  assert.equal(loops.filter((f) => f.details!.status === 483).length, 1); // once, where it was generated
});
