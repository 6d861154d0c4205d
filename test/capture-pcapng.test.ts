import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PcapngDecoder, pcapngTime } from '../src/capture/pcapng.js';
import type { Frame } from '../src/capture/frame.js';
import { PcapngWriter } from './helpers/packets.js';

function decodeAll(file: Buffer, pieceSize = file.length): { frames: Frame[]; leftover?: string } {
  const d = new PcapngDecoder();
  const frames: Frame[] = [];
  for (let i = 0; i < file.length; i += pieceSize) {
    d.push(file.subarray(i, i + pieceSize));
    for (let f = d.next(); f; f = d.next()) frames.push({ ...f, data: Buffer.from(f.data) });
  }
  return { frames, leftover: d.finish() };
}

test('if_tsresol 9 (ns) above 2^53 stays exact; default µs; 2^-n units; if_tsoffset', () => {
  const ns = 1_502_982_001_123_456_789n;
  const file = new PcapngWriter().shb()
    .idb(113, { tsresol: 9 })
    .idb(1)
    .idb(1, { tsresol: 0x80 | 20 })
    .idb(1, { tsresol: 3, tsoffset: 1000n })
    .epb(0, ns, Buffer.from('a'))
    .epb(1, 1_700_000_000_654_321n, Buffer.from('b'))
    .epb(2, (1_700_000_000n << 20n) | (1n << 19n), Buffer.from('c'))
    .epb(3, 5_500n, Buffer.from('d'))
    .build();
  const { frames, leftover } = decodeAll(file);
  assert.equal(leftover, undefined);
  assert.deepEqual(frames.map((f) => f.time), [ns, 1_700_000_000_654_321_000n, 1_700_000_000_500_000_000n, 1_005_500_000_000n]);
  assert.deepEqual(frames.map((f) => f.linkType), [113, 1, 1, 1]);
  assert.deepEqual(frames.map((f) => f.data.toString()), ['a', 'b', 'c', 'd']);
});

test('several sections: per-section byte order, interface ids restart', () => {
  const w = new PcapngWriter();
  w.shb(true).idb(1).epb(0, 1n, Buffer.from('le'));
  w.shb(false).idb(113).idb(101).epb(1, 2n, Buffer.from('be-raw')).epb(0, 3n, Buffer.from('be-sll'));
  const file = w.build();
  for (const size of [file.length, 3]) {
    const { frames, leftover } = decodeAll(file, size);
    assert.equal(leftover, undefined);
    assert.deepEqual(frames.map((f) => [f.data.toString(), f.linkType, f.interface, f.frame]), [['le', 1, 0, 1], ['be-raw', 101, 1, 2], ['be-sll', 113, 0, 3]]);
  }
});

test('SPB (no timestamp, snaplen), obsolete PB, and unknown blocks skipped', () => {
  const file = new PcapngWriter().shb().idb(1, { snaplen: 4 })
    .pb(0, 7_000_000n, Buffer.from('pb-data'))
    .block(0x00000005, Buffer.alloc(20)) // ISB
    .block(0x40000bad, Buffer.alloc(9)) // custom
    .spb(Buffer.from('simple-packet'))
    .build();
  const { frames } = decodeAll(file);
  assert.equal(frames.length, 2);
  assert.equal(frames[0]!.time, 7_000_000_000n);
  assert.equal(frames[1]!.data.toString(), 'simp', 'SPB captured length = min(original, snaplen)');
  assert.equal(frames[1]!.originalLength, 13);
  assert.equal(frames[1]!.noTimestamp, true);
  assert.equal(frames[1]!.time, 7_000_000_000n, 'an SPB takes the previous packet time');
});

test('a cut final block, a packet on an undeclared interface, a missing SHB', () => {
  const file = new PcapngWriter().shb().idb(1).epb(0, 1n, Buffer.alloc(40)).epb(0, 2n, Buffer.alloc(40)).build();
  const cut = decodeAll(file.subarray(0, file.length - 5));
  assert.equal(cut.frames.length, 1);
  assert.equal(cut.leftover, 'pcapng block cut at end of file');
  const skips: string[] = [];
  const d = new PcapngDecoder((r) => skips.push(r));
  d.push(new PcapngWriter().shb().idb(1).epb(3, 1n, Buffer.alloc(4)).build());
  assert.equal(d.next(), undefined);
  assert.deepEqual(skips, ['pcapng packet on an undeclared interface']);
  assert.match(decodeAll(new PcapngWriter().idb(1).build()).leftover!, /no section header/);
});

test('pcapngTime: 10^-n beyond ns truncates, 2^-n fractions', () => {
  assert.equal(pcapngTime(1_234_567_890_123n, { tsresol: 12, tsoffset: 0n }), 1_234_567_890n);
  assert.equal(pcapngTime(3n, { tsresol: 0x81, tsoffset: 0n }), 1_500_000_000n);
});
