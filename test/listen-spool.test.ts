import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeSpool, encodeSpoolRecord, SPOOL_FILE_HEADER, spoolRecordSize } from '../src/listen/spool-records.js';
import { PacketSpool, SPOOL_DIR } from '../src/listen/spool.js';
import { StoreWriter } from '../src/listen/store-writer.js';
import { ListenCounters } from '../src/listen/counters.js';
import type { ReceivedPacket } from '../src/listen/collector.js';
import { Store } from '../src/store/store.js';
import { isAlive } from '../src/store/runtime.js';
import { runCli, tempDir, tempStore } from './helpers/cli.js';
import { startListen, waitFor } from './helpers/listen-child.js';
import { sipHep3, sipInvite } from './helpers/hep3.js';

const T0 = 1_764_633_600_123_456_789n; // 2025-12-02, to the nanosecond

function packet(i: number, sender = '192.0.2.7', callId = `spool-${i % 50}@test`): ReceivedPacket {
  const buf = sipHep3(sipInvite(callId, i + 1), { time: T0 + BigInt(i) * 1000n, captureId: 3 });
  return { buf: new Uint8Array(buf), sender, refTime: T0 + BigInt(i) * 1_000_001n };
}

function spoolFile(packets: ReceivedPacket[]): Buffer {
  const parts = [SPOOL_FILE_HEADER];
  for (const p of packets) {
    const b = Buffer.alloc(spoolRecordSize(p)!);
    encodeSpoolRecord(p, b, 0);
    parts.push(b);
  }
  return Buffer.concat(parts);
}

/** A pid that is not running (the spool takes over only dead listeners' files). */
function deadPid(): number {
  for (let pid = 4_000_000; pid > 3_000_000; pid -= 7919) if (!isAlive(pid)) return pid;
  throw new Error('no free pid found');
}

test('spool records: IPv4 and IPv6 senders and nanosecond receive times round-trip; a torn tail is reported, not read', () => {
  const packets = [packet(0), packet(1, '2001:db8::42'), packet(2, '::ffff:10.1.2.3'), packet(3, '10.0.0.255')];
  const file = spoolFile(packets);
  const d = decodeSpool(file);
  assert.ok(!('error' in d));
  assert.equal(d.tornBytes, 0);
  assert.equal(d.badRecords, 0);
  assert.deepEqual(d.packets.map((p) => [p.sender, p.refTime, Buffer.from(p.buf).equals(Buffer.from(packets[d.packets.indexOf(p)]!.buf))]),
    packets.map((p) => [p.sender, p.refTime, true]));
  // Each packet is its own buffer: posting one to a thread must not clone the whole file.
  assert.ok(d.packets.every((p) => p.buf.buffer.byteLength === p.buf.byteLength));
  const torn = decodeSpool(file.subarray(0, file.length - 10));
  assert.ok(!('error' in torn));
  assert.equal(torn.packets.length, 3);
  assert.ok(torn.tornBytes > 0);
  assert.deepEqual(decodeSpool(Buffer.from('not a pcap at all, not at all')), { error: 'not a listen spool file' });
  // A datagram cannot exceed 64 KB: such a packet is refused, not written wrong.
  assert.equal(spoolRecordSize({ buf: new Uint8Array(65_520), sender: '192.0.2.1', refTime: T0 }), undefined);
});

test('spool file: a valid pcap that ingest reads into the chunks listen would store (and tshark reads)', async () => {
  const dir = tempDir();
  const packets = Array.from({ length: 120 }, (_, i) => packet(i));
  const file = join(dir, 'spool.pcap');
  writeFileSync(file, spoolFile(packets));
  const store = tempStore();
  const r = await runCli(['--store', store, 'ingest', '--quiet', file]);
  assert.equal(r.code, 0, r.stderr);
  const calls = Store.open(store, { create: false });
  const call = await calls.readCall('spool-7@test');
  assert.ok(call);
  assert.equal(call.chunks.length, 3); // packets 7, 57, 107
  assert.equal(call.chunks[0]!.parser, 'hep:192.0.2.7#3');
  if (spawnSync('tshark', ['--version']).status === 0) {
    const t = spawnSync('tshark', ['-r', file, '-T', 'fields', '-e', 'ip.src', '-e', 'frame.time_epoch'], { encoding: 'utf8' });
    assert.equal(t.status, 0, t.stderr);
    const lines = t.stdout.trim().split('\n');
    assert.equal(lines.length, 120);
    assert.match(lines[0]!, /^192\.0\.2\.7\t1764633600\.123456789$/);
  }
});

test('PacketSpool: packets come back oldest first, files are removed once replayed, the byte cap drops and counts', async () => {
  const dir = join(tempDir(), SPOOL_DIR);
  const lost = new Map<string, number>();
  const recordBytes = spoolRecordSize(packet(0))!;
  const spool = new PacketSpool(dir, { maxBytes: 1500 * recordBytes + 100, segmentBytes: 64 << 10 }, (n, reason) => lost.set(reason, (lost.get(reason) ?? 0) + n));
  const sent: ReceivedPacket[] = [];
  for (let i = 0; i < 2000; i++) {
    const p = packet(i);
    if (spool.add(p)) sent.push(p);
  }
  // The cap holds 1,500 records of that size (the others' sizes differ by a digit or two).
  assert.ok(sent.length > 1450 && sent.length <= 1500, `${sent.length}`);
  assert.equal(lost.get('spool full'), 2000 - sent.length);
  assert.ok(spool.active);
  assert.ok(readdirSync(dir).length > 5, 'several 64 KB segments');
  const back: ReceivedPacket[] = [];
  for (let tries = 0; spool.active && tries < 2000; tries++) {
    spool.flushForStop();
    const got = spool.take(300);
    back.push(...got);
    if (got.length === 0) await new Promise((r) => setTimeout(r, 2));
  }
  assert.equal(spool.active, false);
  assert.equal(spool.backlog, 0);
  assert.deepEqual(back.map((p) => p.refTime), sent.map((p) => p.refTime));
  await spool.close();
  await waitFor(() => readdirSync(dir).length === 0);
  assert.deepEqual(readdirSync(dir), []);
  assert.ok(spool.bytes === 0, `${spool.bytes}`);
});

test('PacketSpool: a spool whose writes fail counts each packet lost once, and empties', async () => {
  const { rmSync } = await import('node:fs');
  const dir = join(tempDir(), SPOOL_DIR);
  const lost = new Map<string, number>();
  const spool = new PacketSpool(dir, { maxBytes: 1 << 30, segmentBytes: 32 << 10 }, (n, reason) => lost.set(reason, (lost.get(reason) ?? 0) + n));
  rmSync(dir, { recursive: true }); // the disk refuses: every segment's open fails
  for (let i = 0; i < 300; i++) assert.ok(spool.add(packet(i)));
  for (let tries = 0; spool.active && tries < 2000; tries++) {
    spool.flushForStop();
    assert.deepEqual(spool.take(100), []);
    await new Promise((r) => setTimeout(r, 2));
  }
  assert.equal(spool.active, false);
  assert.equal(spool.backlog, 0);
  assert.deepEqual([...lost], [['spool write failed: ENOENT', 300]]);
});

test('StoreWriter: a queue too short for the burst overflows into the spool, and everything is stored; without a spool it drops', async () => {
  for (const withSpool of [true, false]) {
    const store = tempStore();
    Store.open(store, { create: true });
    const counters = new ListenCounters();
    const writer = new StoreWriter(store, counters, {
      queueLimit: 200, builders: 1,
      spool: withSpool ? { dir: join(store, SPOOL_DIR), maxBytes: 64 << 20, segmentBytes: 256 << 10 } : undefined,
    });
    for (let i = 0; i < 6000; i++) writer.add(packet(i));
    await writer.stop();
    if (withSpool) {
      assert.equal(counters.dropped, 0, JSON.stringify(counters.toJson()));
      assert.ok(counters.spooled > 5000, `${counters.spooled}`);
      assert.equal(counters.replayed, counters.spooled);
      assert.equal(counters.stored, 6000);
      assert.deepEqual(readdirSync(join(store, SPOOL_DIR)), []);
    } else {
      assert.ok(counters.dropped > 5000, `${counters.dropped}`);
      assert.deepEqual(Object.keys(counters.toJson().dropped_reasons as object), ['queue full']);
      assert.equal(counters.stored, 6000 - counters.dropped);
    }
    const call = await Store.open(store, { create: false }).readCall('spool-11@test');
    if (withSpool) assert.equal(call!.chunks.length, 120);
  }
});

test('listen takes over the spool of a listener that was killed, stores it, and leaves other files alone', async () => {
  const store = tempStore();
  Store.open(store, { create: true });
  const spoolDir = join(store, SPOOL_DIR);
  const dead = deadPid();
  const first = Array.from({ length: 300 }, (_, i) => packet(i, '198.51.100.9', `left-${i % 30}@test`));
  const second = Array.from({ length: 100 }, (_, i) => packet(300 + i, '198.51.100.9', `left-${i % 30}@test`));
  const { mkdirSync } = await import('node:fs');
  mkdirSync(spoolDir, { recursive: true });
  writeFileSync(join(spoolDir, `${dead}-000000.pcap`), spoolFile(first));
  // The killed listener's last segment, cut in the middle of a record.
  const torn = spoolFile(second);
  writeFileSync(join(spoolDir, `${dead}-000001.pcap`), torn.subarray(0, torn.length - 100));
  writeFileSync(join(spoolDir, 'notes.txt'), 'someone else\'s file');
  const l = await startListen(store, ['--udp', '127.0.0.1:0']);
  assert.ok(await waitFor(() => readdirSync(spoolDir).length === 1, 10_000), readdirSync(spoolDir).join(' '));
  const r = await l.stop();
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /replaying 2 spool file\(s\) left by a listener that did not finish/);
  const c = r.counters!;
  assert.equal(c.stored, 399);
  assert.deepEqual(c.dropped_reasons, { 'spool record damaged': 1 });
  assert.deepEqual(readdirSync(spoolDir), ['notes.txt']);
  assert.equal(readFileSync(join(spoolDir, 'notes.txt'), 'utf8'), 'someone else\'s file');
  const call = await Store.open(store, { create: false }).readCall('left-4@test');
  assert.equal(call!.chunks.length, 14); // 10 from the first file, 4 whole ones from the torn second
  assert.equal(call!.chunks[0]!.parser, 'hep:198.51.100.9#3');
  assert.ok(!existsSync(join(spoolDir, `${dead}-000000.pcap`)));
});
