// End to end: real Kamailio (siptrace, HEP v3) mirrors a sipp call to `listen`; the whole
// dialogue must be in the store afterwards. Needs the Debian packages kamailio and sip-tester.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { runCli, tempDir, tempStore } from './helpers/cli.js';
import { fixture } from './helpers/corpus.js';
import { startListen, waitFor } from './helpers/listen-child.js';

function which(cmd: string): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

function siptraceModuleDir(): string | undefined {
  for (const d of ['/usr/lib/x86_64-linux-gnu/kamailio/modules', '/usr/lib/aarch64-linux-gnu/kamailio/modules', '/usr/lib/kamailio/modules', '/usr/local/lib64/kamailio/modules']) {
    if (existsSync(join(d, 'siptrace.so'))) return d;
  }
  const r = spawnSync('sh', ['-c', 'find /usr/lib /usr/local/lib* -name siptrace.so -path "*kamailio*" 2>/dev/null | head -1'], { encoding: 'utf8' });
  return r.stdout.trim() ? dirname(r.stdout.trim()) : undefined;
}

const kamailio = which('kamailio');
const sipp = which('sipp');
const mpath = kamailio ? siptraceModuleDir() : undefined;
const skip = !kamailio ? 'kamailio is not installed (Debian package kamailio)'
  : !sipp ? 'sipp is not installed (Debian package sip-tester)'
  : !mpath ? 'the kamailio siptrace module was not found'
  : false;

/** Free UDP ports on loopback (bound then released: good enough on a test machine). */
async function freeUdpPorts(n: number): Promise<number[]> {
  const socks = await Promise.all(Array.from({ length: n }, () => new Promise<ReturnType<typeof createSocket>>((r) => {
    const s = createSocket('udp4');
    s.bind(0, '127.0.0.1', () => r(s));
  })));
  const ports = socks.map((s) => s.address().port);
  await Promise.all(socks.map((s) => new Promise<void>((r) => s.close(() => r()))));
  return ports;
}

/** Whether something is bound to this UDP port on 127.0.0.1 (Linux /proc; true elsewhere, after a delay). */
function udpBound(port: number): boolean {
  try {
    const hex = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
    return readFileSync('/proc/net/udp', 'utf8').includes(hex);
  } catch {
    return true;
  }
}

function lastReceived(stderr: string): number {
  const all = [...stderr.matchAll(/listen: received (\d+)/g)];
  return all.length ? Number(all[all.length - 1]![1]) : 0;
}

function run(cmd: string, args: string[], log: string[]): { child: ChildProcess; done: Promise<number | null> } {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (d) => log.push(String(d)));
  child.stderr!.on('data', (d) => log.push(String(d)));
  const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const done = new Promise<number | null>((r) => child.on('close', (code) => { clearTimeout(killer); r(code); }));
  return { child, done };
}

test('listen + real Kamailio siptrace (HEP3) + sipp: the whole call is stored, both hops', { skip, timeout: 90_000 }, async () => {
  const store = tempStore();
  const listen = await startListen(store, ['--udp', '127.0.0.1:0', '--status-interval', '0.2']);
  const hepPort = listen.udpPorts[0]!;
  const [sipPort, uasPort, uacPort, uasMedia, uacMedia] = await freeUdpPorts(5);
  const dir = tempDir('ci-kamailio-');
  const cfg = readFileSync(fixture('hep/kamailio-siptrace.cfg'), 'utf8')
    .replaceAll('@SIP_PORT@', String(sipPort)).replaceAll('@UAS_PORT@', String(uasPort))
    .replaceAll('@HEP_PORT@', String(hepPort)).replaceAll('@HEP_VERSION@', '3')
    .replaceAll('@MPATH@', mpath! + '/');
  writeFileSync(join(dir, 'kamailio.cfg'), cfg);
  const klog: string[] = [], ulog: string[] = [], clog: string[] = [];
  const k = run(kamailio!, ['-DD', '-E', '-f', join(dir, 'kamailio.cfg'), '-P', join(dir, 'k.pid'), '-Y', dir], klog);
  let uas: ReturnType<typeof run> | undefined;
  try {
    // Ready when its socket is bound (and its workers a moment later).
    assert.ok(await waitFor(() => udpBound(sipPort!) || k.child.exitCode !== null, 10000), 'kamailio did not bind');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(k.child.exitCode, null, `kamailio exited: ${klog.join('')}`);
    uas = run(sipp!, ['-sn', 'uas', '-i', '127.0.0.1', '-p', String(uasPort), '-mp', String(uasMedia), '-m', '1', '-nostdin', '-timeout', '30s'], ulog);
    assert.ok(await waitFor(() => udpBound(uasPort!), 10000), 'sipp uas did not bind');
    const uac = run(sipp!, ['-sn', 'uac', '-i', '127.0.0.1', '-p', String(uacPort), '-mp', String(uacMedia), '-m', '1', '-nostdin', '-timeout', '30s', '-s', 'bob', `127.0.0.1:${sipPort}`], clog);
    assert.equal(await uac.done, 0, `sipp uac failed: ${clog.join('')}`);
    assert.equal(await uas.done, 0, `sipp uas failed: ${ulog.join('')}`);
    // 13 SIP messages (7 on the UAC hop, 6 on the UAS hop) and one hlog() LOG packet; more
    // only if a loaded machine made sipp retransmit.
    assert.ok(await waitFor(() => lastReceived(listen.stderr()) >= 14, 10000), listen.stderr());
    await new Promise((r) => setTimeout(r, 400));
  } finally {
    k.child.kill('SIGTERM');
    uas?.child.kill('SIGTERM');
    await k.done;
  }
  const r = await listen.stop();
  assert.equal(r.code, 0, r.stderr);
  assert.ok(r.counters!.received >= 14);
  assert.equal(r.counters!.stored, r.counters!.received);
  assert.deepEqual(r.counters!.decode_errors, {});

  const ids = JSON.parse((await runCli(['--store', store, 'list', '-f', 'json'])).stdout) as Record<string, unknown>[];
  assert.equal(ids.length, 1);
  const callId = String(ids[0]!['call-id']);
  const shown = await runCli(['--store', store, 'show', '--format', 'json', callId]);
  assert.equal(shown.code, 0, shown.stderr);
  const chunks = JSON.parse(shown.stdout) as Record<string, any>[];
  const A = `127.0.0.1:${uacPort}`, K = `127.0.0.1:${sipPort}`, B = `127.0.0.1:${uasPort}`;
  const got = [...new Set(chunks.filter((c) => c.kind !== 'log').map((c) => `${c.status === undefined ? c.method : `${c.status}/${c.cseq_method}`} ${c.src}>${c.dst}`))].sort();
  const want = [
    `INVITE ${A}>${K}`, `100/INVITE ${K}>${A}`, `INVITE ${K}>${B}`, `180/INVITE ${B}>${K}`, `180/INVITE ${K}>${A}`,
    `200/INVITE ${B}>${K}`, `200/INVITE ${K}>${A}`, `ACK ${A}>${K}`, `ACK ${K}>${B}`,
    `BYE ${A}>${K}`, `BYE ${K}>${B}`, `200/BYE ${B}>${K}`, `200/BYE ${K}>${A}`,
  ].sort();
  assert.deepEqual(got, want);
  for (const c of chunks) {
    assert.equal(c.parser, 'hep:127.0.0.1#1337');
    assert.equal(c.capture.hep_version, 3);
    // Node (Kamailio) time and collector time: same machine, so within a second of each other.
    const d = BigInt(c.ref_ts) - BigInt(c.ts);
    assert.ok(d >= -1_000_000_000n && d < 1_000_000_000n, `${c.label}: ${d} ns`);
  }
  const logs = chunks.filter((c) => c.kind === 'log');
  assert.equal(logs.length, 1);
  assert.match(logs[0]!.label, /^\[cfg\] INVITE from sip:sipp@/);
});
