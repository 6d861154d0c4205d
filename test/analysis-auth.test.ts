// Digest challenges in sngrep__aaa.pcap (CORPUS.md entry 1): REGISTER loops, stale nonces
// ("401 nonce has changed") told apart from wrong credentials (403 Wrong password).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeDialogue } from '../src/analysis/analyze.js';
import { corpusFile, corpusSkip } from './helpers/corpus.js';
import { analyzeCall, dialogueOf, findingOf, ingestInto, kazooSet } from './helpers/analysis-store.js';

const AAA = 'pcap/sngrep__aaa.pcap';

test('sngrep__aaa: REGISTER loops, the 403 "Wrong password", stale nonces, the INVITEs refused after their 407', { skip: corpusSkip(AAA) }, async (t) => {
  const s = await ingestInto([corpusFile(AAA)]);
  if (s.unreadable) return t.skip(s.unreadable);

  const reg = await analyzeCall(s, '578222729-4665d775@578222732-4665d772');
  const wrong = findingOf(reg, 'auth-rejected', (f) => f.message.includes('403 Wrong password'));
  assert.equal(wrong.severity, 'error');
  assert.equal(wrong.evidence.length, 2); // CSeq 69 REGISTER with credentials and its 403
  const loops = reg.findings.filter((f) => f.rule === 'auth-loop');
  assert.deepEqual(loops.map((f) => [f.severity, f.details!.challenges, f.details!.success]).sort(), [['error', 4, false], ['warning', 5, true]]);
  const stale = reg.findings.filter((f) => f.rule === 'auth-stale');
  assert.equal(stale.length, 2);
  for (const f of stale) { assert.equal(f.severity, 'info'); assert.match(f.message, /nonce has changed/); }
  // Stale nonces are not reported as wrong credentials.
  assert.equal(reg.findings.filter((f) => f.rule === 'auth-rejected').length, 1);

  const reg2 = await analyzeCall(s, '29858147-465b0752@29858051-465b07b2');
  assert.equal(reg2.outcome.outcome, 'registered');
  assert.equal(findingOf(reg2, 'auth-loop').severity, 'warning');
  assert.equal(findingOf(reg2, 'auth-stale').evidence.length, 2);

  for (const id of ['85216695-42dcdb1d@192.168.1.2', '24487391-449bf2a0@192.168.1.2']) {
    const a = await analyzeCall(s, id);
    const f = findingOf(a, 'auth-rejected');
    assert.match(f.message, /INVITE with credentials refused: 403 Wrong password or domain from 212\.242\.33\.35:5060/);
    assert.equal(a.findings.some((x) => x.rule === 'auth-loop'), false, id);
  }
  // The 480 call: one 407, credentials accepted, then refused further on: no auth finding.
  const a480 = await analyzeCall(s, '11894297-4432a9f8@192.168.1.2');
  assert.equal(a480.findings.some((f) => f.rule.startsWith('auth-')), false);
});

test('chunks_1: a single 407 answered with credentials is no finding', { skip: corpusSkip('kazoo/kazoo__call_inspector_ci_chunk_tests_chunks.json') }, () => {
  const a = analyzeDialogue(dialogueOf(kazooSet('chunks_1')));
  assert.equal(a.findings.some((f) => f.rule.startsWith('auth-')), false);
});
