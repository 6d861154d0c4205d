import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeUdp } from '../src/capture/udp.js';
import { udp } from './helpers/packets.js';

test('UDP payload = min(length − 8, captured bytes)', () => {
  const d = decodeUdp(Buffer.concat([udp(5060, 5080, Buffer.from('OPTIONS')), Buffer.alloc(6)]));
  assert.ok(!('skip' in d));
  assert.equal(d.srcPort, 5060);
  assert.equal(d.dstPort, 5080);
  assert.equal(d.payload.toString(), 'OPTIONS');
  assert.equal(d.truncated, false);
  const cut = decodeUdp(udp(1, 2, Buffer.alloc(100)).subarray(0, 50));
  assert.ok(!('skip' in cut));
  assert.equal(cut.payload.length, 42);
  assert.equal(cut.truncated, true);
  assert.deepEqual(decodeUdp(Buffer.alloc(7)), { skip: 'truncated udp header' });
});
