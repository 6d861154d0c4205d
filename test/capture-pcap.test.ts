import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PcapDecoder, parsePcapHeader } from '../src/capture/pcap.js';
import type { Frame } from '../src/capture/frame.js';
import { pcapFile } from './helpers/packets.js';

function decodeAll(file: Buffer, pieceSize = file.length): { frames: Frame[]; leftover?: string; skips: string[] } {
  const skips: string[] = [];
  const d = new PcapDecoder((r) => skips.push(r));
  const frames: Frame[] = [];
  for (let i = 0; i < file.length; i += pieceSize) {
    d.push(file.subarray(i, i + pieceSize));
    for (let f = d.next(); f; f = d.next()) frames.push({ ...f, data: Buffer.from(f.data) });
  }
  return { frames, leftover: d.finish(), skips };
}

test('all four magics: byte order and µs/ns fraction', () => {
  for (const littleEndian of [true, false]) {
    for (const nanoseconds of [false, true]) {
      const file = pcapFile([{ sec: 1_700_000_000, frac: nanoseconds ? 123_456_789 : 123_456, data: Buffer.from('abc') }], { littleEndian, nanoseconds, linkType: 101 });
      const h = parsePcapHeader(file)!;
      assert.equal(h.littleEndian, littleEndian);
      assert.equal(h.nanoseconds, nanoseconds);
      const { frames } = decodeAll(file);
      assert.equal(frames.length, 1);
      assert.equal(frames[0]!.linkType, 101);
      assert.equal(frames[0]!.time, 1_700_000_000_000_000_000n + (nanoseconds ? 123_456_789n : 123_456_000n));
      assert.equal(frames[0]!.data.toString(), 'abc');
    }
  }
});

test('ts_sec is unsigned (stamps after 2038 as in heplify__sip_ipv6_udp.pcap)', () => {
  const { frames } = decodeAll(pcapFile([{ sec: 3867576602, frac: 251758, data: Buffer.from('x') }]));
  assert.equal(frames[0]!.time, 3867576602_251758_000n);
});

test('records split across 1-byte pieces decode the same, with frame numbers and offsets', () => {
  const recs = [1, 2, 3].map((i) => ({ sec: 10 + i, frac: i, data: Buffer.alloc(i * 7, i) }));
  const file = pcapFile(recs);
  const whole = decodeAll(file);
  const split = decodeAll(file, 1);
  assert.deepEqual(split.frames.map((f) => [f.frame, f.offset, f.end, f.time, f.data.length]), whole.frames.map((f) => [f.frame, f.offset, f.end, f.time, f.data.length]));
  assert.deepEqual(whole.frames.map((f) => f.offset), [24, 24 + 16 + 7, 24 + 32 + 21]);
  assert.equal(whole.leftover, undefined);
});

test('a record cut at the end of the file stops cleanly with a reason', () => {
  const file = pcapFile([{ sec: 1, frac: 0, data: Buffer.alloc(50) }, { sec: 2, frac: 0, data: Buffer.alloc(50) }]);
  const { frames, leftover } = decodeAll(file.subarray(0, file.length - 10));
  assert.equal(frames.length, 1);
  assert.equal(leftover, 'pcap record cut at end of file');
});

test('incl_len < orig_len is reported, bad magic and absurd lengths stop without throwing', () => {
  const { frames } = decodeAll(pcapFile([{ sec: 1, frac: 0, data: Buffer.alloc(10), origLen: 1500 }]));
  assert.equal(frames[0]!.capturedLength, 10);
  assert.equal(frames[0]!.originalLength, 1500);
  assert.equal(decodeAll(Buffer.alloc(40, 7)).leftover, 'not a pcap file (bad magic)');
  const bad = pcapFile([{ sec: 1, frac: 0, data: Buffer.alloc(4) }]);
  bad.writeUInt32LE(0x7fffffff, 24 + 8);
  assert.match(decodeAll(bad).leftover!, /corrupt pcap record/);
});

test('Kuznetzov modified pcap: 24-byte record headers', () => {
  const file = pcapFile([{ sec: 5, frac: 6, data: Buffer.from('zz') }]);
  file.writeUInt32BE(0x34cdb2a1, 0);
  const rec = Buffer.concat([file.subarray(24, 40), Buffer.alloc(8), file.subarray(40)]);
  const { frames } = decodeAll(Buffer.concat([file.subarray(0, 24), rec]));
  assert.equal(frames[0]!.data.toString(), 'zz');
});
