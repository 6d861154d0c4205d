// The leg index: buckets by md5(key), append-only, idempotent, tolerant of a torn line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { LegIndex, legIndexListener, legPairs } from '../src/store/leg-index.js';
import { Store } from '../src/store/store.js';
import { ChunkSink } from '../src/store/sink.js';
import { prepareChunk } from '../src/store/prepared-chunk.js';
import { seen } from './helpers/dialogue-scenario.js';
import { tempStore } from './helpers/cli.js';

test('add and lookup, repeats not written twice, a torn last line ignored', async () => {
  const store = Store.open(tempStore(), { create: true });
  const ix = new LegIndex(store.root);
  assert.equal(await ix.add([{ key: 'A', callId: 'B' }, { key: 'A', callId: 'C' }, { key: 'A', callId: 'B' }]), 2);
  assert.equal(await ix.add([{ key: 'A', callId: 'B' }]), 0);
  assert.deepEqual(await ix.lookup('A'), ['B', 'C']);
  assert.deepEqual(await ix.lookup('nothing'), []);
  const bucket = join(ix.dir, LegIndex.bucketOf('A'));
  assert.equal(readFileSync(bucket, 'utf8'), 'A\tB\nA\tC\n');
  appendFileSync(bucket, 'A\tD'); // a killed writer
  assert.deepEqual(await ix.lookup('A'), ['B', 'C']);
  assert.equal(await ix.add([{ key: 'bad\tkey', callId: 'X' }]), 0);
});

test('the sink listener indexes the keys of flushed chunks, not chunks without a Call-ID', async () => {
  const store = Store.open(tempStore(), { create: true });
  const sink = new ChunkSink(store);
  sink.onFlush(legIndexListener(store));
  const b = seen({ start: 'INVITE sip:x SIP/2.0', callId: 'bleg', cseq: '1 INVITE', headers: ['X-CID: aleg'] }, 'cap', 0, '10.0.0.1:5060', '10.0.0.2:5060');
  const orphan = seen({ start: 'INVITE sip:x SIP/2.0', cseq: '1 INVITE', headers: ['X-CID: aleg'] }, 'cap', 1, '10.0.0.1:5060', '10.0.0.2:5060');
  sink.add(b); sink.add(orphan);
  await sink.flush();
  assert.deepEqual(await new LegIndex(store.root).lookup('aleg'), ['bleg']);
  assert.equal(readdirSync(join(store.root, '.index', 'legs')).length, 1);
  assert.deepEqual(legPairs(new Map([['bleg', [prepareChunk(b)]]])), [{ key: 'aleg', callId: 'bleg' }]);
});
