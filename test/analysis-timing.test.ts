// Timing per hop on the real sipp/Kamailio calls: post-dial delay, setup, answer→ACK, duration.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fixture } from './helpers/corpus.js';
import { analyzeCall, findingOf, ingestInto } from './helpers/analysis-store.js';

test('answered through two proxies: timing on each of the three hops, and for the call', async (t) => {
  const s = await ingestInto([fixture('sipp/answered.pcap')]);
  if (s.unreadable) return t.skip(s.unreadable);
  const a = await analyzeCall(s, s.callIds[0]!);
  assert.deepEqual(a.hops.map((h) => [h.hop, h.src, h.dst, h.status]), [
    [0, '127.0.0.1:25050', '127.0.0.1:25060', 200],
    [1, '127.0.0.1:25060', '127.0.0.1:25070', 200],
    [2, '127.0.0.1:25070', '127.0.0.1:25080', 200],
  ]);
  for (const h of a.hops) {
    // Loopback: everything within milliseconds, the UAC waits 1 s before its BYE.
    assert.ok(h.post_dial_delay_ms! >= 0 && h.post_dial_delay_ms! <= h.setup_ms!, JSON.stringify(h));
    assert.ok(h.setup_ms! < 100, JSON.stringify(h));
    assert.ok(h.answer_to_ack_ms! >= 0 && h.answer_to_ack_ms! < 100, JSON.stringify(h));
    assert.ok(Math.abs(h.duration_ms! - 1000) < 100, JSON.stringify(h));
  }
  // Downstream hops start later and answer sooner.
  assert.ok(a.hops[2]!.setup_ms! <= a.hops[0]!.setup_ms!);
  const o = a.outcome.timing;
  assert.equal(o.setup_ms, a.hops[0]!.setup_ms);
  assert.match(findingOf(a, 'timing').message, /^post-dial delay \d+ ms, setup \d+ ms, answer→ACK \d+ ms, duration 1\.0\d s$/);
  assert.equal(a.findings.some((f) => f.rule === 'slow-post-dial-delay' || f.rule === 'late-ack'), false);
});

test('the 408 of the proxy timer: final after 4 s (fr_inv_timer), ringing at once', async (t) => {
  const s = await ingestInto([fixture('sipp/timeout.pcap')]);
  if (s.unreadable) return t.skip(s.unreadable);
  const o = (await analyzeCall(s, s.callIds[0]!)).outcome;
  assert.ok(o.timing.post_dial_delay_ms! < 100);
  assert.ok(Math.abs(o.timing.final_ms! - 4000) < 200, String(o.timing.final_ms));
  assert.equal(o.timing.setup_ms, undefined);
});
