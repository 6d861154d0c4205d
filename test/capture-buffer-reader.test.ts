import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BufferReader, ByteWindow } from '../src/capture/buffer-reader.js';

test('BufferReader reads in the chosen byte order with explicit offsets', () => {
  const b = Buffer.from([0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07]);
  const be = new BufferReader(b, 1, false);
  assert.equal(be.u16(), 0x0203);
  assert.equal(be.offset, 3);
  assert.equal(be.u32(), 0x04050607);
  const le = new BufferReader(b, 1, true);
  assert.equal(le.u16(), 0x0302);
  assert.equal(le.u32(), 0x07060504);
  assert.equal(le.remaining, 0);
  assert.equal(le.has(1), false);
});

test('BufferReader u64 keeps values above 2^53 exact', () => {
  const v = 1_502_982_001_123_456_789n; // a pcapng ns timestamp
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(v);
  assert.equal(new BufferReader(b, 0, true).u64(), v);
  b.writeBigUInt64BE(v);
  assert.equal(new BufferReader(b, 0, false).u64(), v);
  assert.notEqual(BigInt(Number(v)), v, 'the same value as a double is not exact');
});

test('ByteWindow keeps only the unread tail across pieces and tracks file offsets', () => {
  const w = new ByteWindow();
  w.append(Buffer.from('abcdef'));
  w.consume(4);
  assert.equal(w.offset, 4);
  w.append(Buffer.from('ghij'));
  assert.equal(w.available, 6);
  assert.equal(w.buffer.toString('latin1', w.index, w.index + 6), 'efghij');
  assert.equal(w.offset, 4);
  w.consume(6);
  w.append(Buffer.from('kl'));
  assert.equal(w.offset, 10);
  assert.equal(w.buffer.length, 2, 'a fully read buffer is released, not concatenated');
});
