// What a long writer remembers must not keep its inputs alive. In V8 a string cut from a longer
// one (a Call-ID cut from a SIP message) holds the whole original: a cache or recency set of cuts
// grows with the size of what they were cut from. Found on a 7.6 GB ingest, where the leg index's
// recent lines held a SIP message each and the heap grew through the whole run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { flatten, ownText } from '../src/model/text.js';
import { LegIndex } from '../src/store/leg-index.js';
import { canonicalHeaderKey } from '../src/sip/message.js';
import { endpointOf } from '../src/sources/kamailio/kazoo-scheme.js';
import { hostPort } from '../src/sources/freeswitch/local-address.js';
import { tempStore } from './helpers/cli.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const PARENT_BYTES = 256 * 1024;
const PARENTS = 200; // 50 MB of parents if they are kept

/** A flat 256 KB string that starts with `head`, as a decoded message or log piece is. */
function parentText(head: string): string {
  const buf = Buffer.alloc(PARENT_BYTES, 0x20);
  buf.write(head, 0, 'latin1');
  return buf.toString('latin1');
}

/** Heap growth (bytes) once `remember` has been given a cut of each of PARENTS big strings. */
async function retainedBy(remember: (cut: string, i: number) => unknown): Promise<number> {
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < PARENTS; i++) await remember(parentText(`${1000 + i}.cut-from-a-much-longer-text;`), i);
  gc();
  return process.memoryUsage().heapUsed - before;
}

const LIMIT = 8 * 1024 * 1024; // the cuts themselves are a few KB; their parents would be 50 MB

test('ownText copies: the copy is equal and its source can be collected', async () => {
  for (const s of ['', 'short', 'a'.repeat(40), 'é caf\u00e9 latin1 only here', 'wide \u4e2d\u6587 and \ud83d\ude00 emoji, lone \ud800 too'])
    assert.equal(ownText(s), s);
  const kept: string[] = [];
  const grown = await retainedBy((cut) => { kept.push(ownText(cut.slice(0, 30))); });
  assert.equal(kept.length, PARENTS);
  assert.ok(grown < LIMIT, `kept ${grown} bytes`);
});

test('a cut itself keeps its parent (the test can see the problem)', async () => {
  const kept: string[] = [];
  const grown = await retainedBy((cut) => { kept.push(cut.slice(0, 30)); });
  assert.equal(kept.length, PARENTS);
  assert.ok(grown > PARENTS * PARENT_BYTES * 0.8, `kept only ${grown} bytes`);
});

test('the leg index remembers its recent lines without the messages they were cut from', async () => {
  const index = new LegIndex(tempStore());
  const grown = await retainedBy((text) => index.add([{ key: text.slice(0, 24), callId: text.slice(5, 30) }]));
  assert.ok(grown < LIMIT, `kept ${grown} bytes`);
});

test('the header-name cache keeps copies of the names', async () => {
  const grown = await retainedBy((text) => canonicalHeaderKey(text.slice(0, 20)));
  assert.ok(grown < LIMIT, `kept ${grown} bytes`);
});

// Distinct addresses, each cut from a long text; both the key and the endpoint's host are kept.
test("the Kamailio reader's endpoint cache keeps copies of the texts", async () => {
  const grown = await retainedBy((_text, i) => {
    const line = parentText(`udp:10.${i >> 8}.${i & 255}.200:5060 and the rest of a log line`);
    return endpointOf(line.slice(0, line.indexOf(' ')));
  });
  assert.ok(grown < LIMIT, `kept ${grown} bytes`);
});

test("the FreeSWITCH reader's host:port cache keeps copies of the texts", async () => {
  const grown = await retainedBy((_text, i) => {
    const msg = parentText(`[2001:db8::${(i + 1).toString(16)}:1]:5060 and the rest of a message`);
    return hostPort(msg.slice(0, msg.indexOf(' ')), 'udp');
  });
  assert.ok(grown < LIMIT, `kept ${grown} bytes`);
});

/** Heap kept by 4,000 strings built as a store line is, piece by piece; flattened or not. */
function builtLines(flat: boolean): number {
  gc();
  const before = process.memoryUsage().heapUsed;
  const kept: string[] = [];
  for (let i = 0; i < 4000; i++) {
    let line = '{"v":1';
    for (let k = 0; k < 30; k++) line += `,"m${k}":"value ${i} ${k} of a chunk"`;
    kept.push(flat ? flatten(line + '}') : line + '}');
  }
  gc();
  assert.equal(kept.length, 4000);
  return process.memoryUsage().heapUsed - before;
}

test('flatten: a line built from pieces is kept as one string, not a tree of them', () => {
  const tree = builtLines(false), flat = builtLines(true);
  assert.ok(flat * 3 < tree, `flattened ${flat} bytes against ${tree} as built`);
  assert.equal(flatten('a' + 'b'.repeat(20)), 'a' + 'b'.repeat(20));
});
