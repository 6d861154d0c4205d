// `listen` packet loss at increasing HEP3 UDP rates on loopback (issue 3 target: no loss at
// 20,000 packets/s). For each rate a fresh `listen` child (fresh store) receives from a load
// generator in another process for N seconds; figures come from the listener's own counters at
// exit and its CPU time from /proc/<pid>/stat during the send window.
//   node dist/bench/listen.js [--quick] [--seconds N (60)] [--rates 10000,20000,30000,50000] [--per-call 10] [--fanout]
//     [--store-dir DIR]   (where the stores go: /dev/shm takes the disk out of the measure)
// Each packet is a distinct SIP message (10 per call by default), so every one must be stored.
// What the store cannot take at once goes to listen's spool and is stored later (by the stop at
// the latest): so beside the loss, the table gives what was spooled and the store's own rate.
import { fork, spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Store } from '../src/store/store.js';
import { markComplete, openIndex } from '../src/store/call-index/db.js';
import { fileURLToPath } from 'node:url';
import { tempStore } from '../test/helpers/cli.js';
import { startListen } from '../test/helpers/listen-child.js';
import { sipHep3 } from '../test/helpers/hep3.js';

const args = process.argv.slice(2);
const opt = (name: string): string | undefined => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };

// ---- generator (child process) ----

/** A HEP3 packet template whose Call-ID and CSeq digits are rewritten in place per packet. */
function makeTemplate(): { buf: Buffer; callAt: number; cseqAt: number } {
  const sip = [
    'OPTIONS sip:bob@bench.example SIP/2.0',
    'Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-000000000000-00',
    'From: <sip:alice@bench.example>;tag=bench',
    'To: <sip:bob@bench.example>',
    'Call-ID: bench-000000000000@bench.example',
    'CSeq: 00 OPTIONS',
    'Max-Forwards: 70',
    'User-Agent: call-inspector bench/listen',
    'Content-Length: 0',
    '', '',
  ].join('\r\n');
  const buf = sipHep3(sip, { time: BigInt(Date.now()) * 1_000_000n, captureId: 42 });
  return { buf, callAt: buf.indexOf('bench-000000000000@'), cseqAt: buf.indexOf('CSeq: 00') + 6 };
}

async function generator(port: number, rate: number, seconds: number, perCall: number): Promise<void> {
  const sock = createSocket({ type: 'udp4', sendBufferSize: 4 * 1024 * 1024 });
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  sock.connect(port, '127.0.0.1');
  await new Promise<void>((r) => sock.once('connect', () => r()));
  const t = makeTemplate();
  const branchAt = t.buf.indexOf('z9hG4bK-') + 8;
  const total = rate * seconds;
  let sent = 0, errors = 0, inflight = 0;
  const start = process.hrtime.bigint();
  const send = (i: number) => {
    const b = Buffer.from(t.buf);
    const call = String(Math.floor(i / perCall)).padStart(12, '0');
    const seq = String(i % perCall).padStart(2, '0');
    b.write(call, t.callAt + 6, 'latin1');
    b.write(call, branchAt, 'latin1');
    b.write(seq, branchAt + 13, 'latin1');
    b.write(seq, t.cseqAt, 'latin1');
    // The time chunks (0x0009 at value offset 62, 0x000a at 72 in sipHep3's layout): now.
    const ms = Date.now();
    b.writeUInt32BE(Math.floor(ms / 1000), 62);
    b.writeUInt32BE((ms % 1000) * 1000, 72);
    inflight++;
    sock.send(b, (e) => { inflight--; if (e) errors++; });
  };
  // Pace in 1 ms steps, catching up on the schedule (timers are coarse).
  while (sent < total) {
    const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
    const due = Math.min(total, Math.floor(elapsed * rate));
    while (sent < due && inflight < 10_000) send(sent++);
    await new Promise((r) => setTimeout(r, 1));
  }
  while (inflight > 0) await new Promise((r) => setTimeout(r, 5));
  const secs = Number(process.hrtime.bigint() - start) / 1e9;
  process.send!({ sent, errors, seconds: secs });
  sock.close();
}

// ---- driver ----

function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks (USER_HZ 100)
  } catch {
    return undefined;
  }
}

/**
 * A store whose 65,536 fan-out directories exist already: the state of a collector after its
 * first ~65k calls, where a new call costs one file creation instead of a directory and a file.
 */
function withFanout(store: string): void {
  for (let a = 0; a < 256; a++) {
    for (let b = 0; b < 256; b++) mkdirSync(join(store, a.toString(16).padStart(2, '0'), b.toString(16).padStart(2, '0')), { recursive: true });
  }
}

const SETTLE_S = 1.5;

async function measureRate(rate: number, seconds: number, perCall: number, fanout: boolean) {
  // Each rate starts from a disk with nothing left to write back: the previous run's ~10^5 call
  // files (removed after it) would otherwise be written back during this one.
  const storeDir = opt('--store-dir');
  const store = storeDir ? join(mkdtempSync(join(storeDir, 'listen-bench-')), 'store') : tempStore();
  if (fanout) {
    // A store with its (empty, complete) list index, as a collector's own would be, then the fan-out.
    Store.open(store, { create: true });
    const db = openIndex(store, { create: true });
    if (db) { markComplete(db); db.close(); }
    withFanout(store);
  }
  // Written back before the run, like a collector's directories made weeks ago: 65,536 new
  // directories left dirty cost the kernel's writeback CPU during the run instead.
  spawnSync('sync');
  // A status line a second: what was stored by the end of the send window is the store's own rate.
  const l = await startListen(store, ['--udp', '127.0.0.1:0', '--status-interval', '1'], 15000, true, 3_600_000);
  const pid = l.child.pid!;
  const cpu0 = cpuSeconds(pid);
  const gen = fork(fileURLToPath(import.meta.url), ['--generator', String(l.udpPorts[0]), String(rate), String(seconds), String(perCall)]);
  const report = await new Promise<{ sent: number; errors: number; seconds: number }>((resolve, reject) => {
    gen.once('message', (m) => resolve(m as { sent: number; errors: number; seconds: number }));
    gen.once('exit', (code) => { if (code) reject(new Error(`generator exited ${code}`)); });
  });
  const cpu1 = cpuSeconds(pid);
  const storedBySendEnd = Number([...l.stderr().matchAll(/stored (\d+),/g)].pop()?.[1] ?? NaN);
  await new Promise((r) => setTimeout(r, SETTLE_S * 1000)); // let the last batch be written
  // The stop replays the spool, flushes what is queued and waits for the list index thread's
  // last rows: its duration is how far the store and the index trailed the sender.
  const t0 = process.hrtime.bigint();
  const r = await l.stop();
  const stopSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const c = r.counters ?? {};
  const granted = /UDP receive buffer (\S+ \S+) granted/.exec(r.stderr)?.[1];
  rmSync(dirname(store), { recursive: true, force: true });
  return {
    rate,
    sent: report.sent,
    sendSeconds: report.seconds,
    achievedRate: Math.round(report.sent / report.seconds),
    received: c.received as number,
    stored: c.stored as number,
    dropped: c.dropped as number,
    spooled: (c.spooled as number | undefined) ?? 0,
    /** Chunks stored per second while the sender ran (the last status line before it stopped). */
    storeRate: Math.round(storedBySendEnd / report.seconds),
    lossPct: report.sent ? (100 * (report.sent - (c.stored as number))) / report.sent : 0,
    cpuPct: cpu0 !== undefined && cpu1 !== undefined ? (100 * (cpu1 - cpu0)) / report.seconds : undefined,
    granted,
    stopSeconds,
  };
}

async function main(): Promise<void> {
  if (args[0] === '--generator') {
    await generator(Number(args[1]), Number(args[2]), Number(args[3]), Number(args[4]));
    return;
  }
  // The measure is 60 s at 50,000/s; --quick (what CI may run) is a short look.
  const quick = args.includes('--quick');
  const seconds = Number(opt('--seconds') ?? (quick ? 5 : 60));
  const rates = (opt('--rates') ?? (quick ? '5000,20000' : '10000,20000,30000,50000')).split(',').map(Number);
  const perCall = Number(opt('--per-call') ?? 10);
  const fanout = args.includes('--fanout');
  console.log(`listen benchmark: HEP3/UDP on loopback, ${seconds} s per rate, ${perCall} messages per call, node ${process.version}, `
    + (opt('--store-dir') ? `stores in ${opt('--store-dir')}, ` : '') + (fanout ? 'stores with their fan-out directories made beforehand (a collector past its first 65k calls)' : 'fresh stores (every new call also makes its directory)'));
  console.log('rate/s   sent      achieved/s  received  stored    dropped  loss %   spooled   stored/s while sending  listener CPU %  stop s (spool replay, index drain)');
  const results = [];
  for (const rate of rates) {
    const m = await measureRate(rate, seconds, perCall, fanout);
    results.push(m);
    console.log([
      String(m.rate).padEnd(8), String(m.sent).padEnd(9), String(m.achievedRate).padEnd(11), String(m.received).padEnd(9),
      String(m.stored).padEnd(9), String(m.dropped).padEnd(8), m.lossPct.toFixed(3).padEnd(8),
      String(m.spooled).padEnd(9), String(m.storeRate).padEnd(23), (m.cpuPct !== undefined ? m.cpuPct.toFixed(0) : 'n/a').padEnd(15),
      m.stopSeconds.toFixed(1),
    ].join(' '));
  }
  const clean = results.filter((m) => m.lossPct === 0 && m.achievedRate >= 0.98 * m.rate);
  console.log(`highest rate without loss: ${clean.length ? Math.max(...clean.map((m) => m.rate)) + '/s' : 'none of those tried'} (${seconds} s each)`);
  // Without loss thanks to the spool is not the same as kept up with: the store's own rate.
  const keptUp = results.filter((m) => m.lossPct === 0 && m.spooled === 0 && m.achievedRate >= 0.98 * m.rate);
  console.log(`highest rate stored as it came, nothing spooled: ${keptUp.length ? Math.max(...keptUp.map((m) => m.rate)) + '/s' : 'none of those tried'}; `
    + `the store's rate while sending: ${Math.min(...results.map((m) => m.storeRate))}-${Math.max(...results.map((m) => m.storeRate))} chunks/s`);
  if (results[0]?.granted) console.log(`UDP receive buffer granted: ${results[0].granted} (asked 8 MiB)`);
  if (args.includes('--json')) console.log(JSON.stringify(results));
}

main().catch((e) => { console.error(e); process.exit(1); });
