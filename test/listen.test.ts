import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, tempStore } from './helpers/cli.js';
import { sendUdp, startListen, waitFor } from './helpers/listen-child.js';
import { chunk, encodeHep3, sipHep3, sipInvite } from './helpers/hep3.js';

const now = () => BigInt(Date.now()) * 1_000_000n;

function sendTcp(port: number, pieces: Buffer[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', async () => {
      for (const p of pieces) {
        s.write(p);
        await new Promise((r) => setTimeout(r, 5));
      }
      s.end(() => resolve());
    });
    s.on('error', reject);
  });
}

async function showJson(store: string, callId: string): Promise<any[]> {
  const r = await runCli(['--store', store, 'show', '--format', 'json', callId]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
}

test('listen: HEP3 over UDP and TCP into the store; counters on SIGTERM; run entry removed', async () => {
  const store = tempStore();
  const l = await startListen(store, ['--udp', '127.0.0.1:0', '--tcp', '127.0.0.1:0', '--status-interval', '0.1']);
  assert.equal(l.udpPorts.length, 1);
  assert.equal(l.tcpPorts.length, 1);
  assert.match(l.stderr(), /UDP receive buffer .* granted of 8\.0 MB asked/);
  assert.equal(readdirSync(join(store, '.run')).length, 1);
  const t = now();
  const udp: Buffer[] = [];
  for (let i = 0; i < 20; i++) udp.push(sipHep3(sipInvite(`udp-${i % 10}@test`, Math.floor(i / 10) + 1), { time: t + BigInt(i) * 1000n, captureId: 7 }));
  udp.push(udp[0]!);                                                  // the same packet again: a duplicate
  udp.push(Buffer.from('this is not HEP'));                            // garbage datagram
  udp.push(sipHep3('{"rtcp":1}', { time: t, payloadType: 5 }));       // RTCP: skipped
  udp.push(encodeHep3([chunk(0x0b, 100, 1), chunk(0x11, 'udp-1@test'), chunk(0x0f, 'a log line')])); // LOG
  await sendUdp(l.udpPorts[0]!, udp);
  const tcpPackets = [0, 1, 2].map((i) => sipHep3(sipInvite(`tcp-${i}@test`), { time: t, captureId: 8, ipProtocol: 6 }));
  const glued = Buffer.concat([Buffer.from('junk!'), tcpPackets[0]!, tcpPackets[1]!, tcpPackets[2]!]);
  await sendTcp(l.tcpPorts[0]!, [glued.subarray(0, 30), glued.subarray(30, 200), glued.subarray(200)]);
  assert.ok(await waitFor(() => /received 27\b/.test(l.stderr())), l.stderr());
  const r = await l.stop();
  assert.equal(r.code, 0, r.stderr);
  const c = r.counters!;
  assert.equal(c.received, 27);
  assert.equal(c.stored, 24);
  assert.equal(c.duplicates, 1);
  assert.deepEqual(c.decode_errors, { 'not hep': 1, 'tcp stream garbage bytes': 5 });
  assert.deepEqual(c.skipped, { 'hep payload type 5': 1 });
  assert.deepEqual(c.rejected, {});
  assert.equal(c.dropped, 0);
  assert.equal(c.tcp_connections, 1);
  assert.match(r.stderr, /SIGTERM: stopping/);
  assert.match(r.stderr, /stored: 24 new chunks, 1 duplicates/);
  assert.deepEqual(readdirSync(join(store, '.run')), []);

  const call = await showJson(store, 'udp-1@test');
  assert.equal(call.filter((x) => x.kind === 'sip').length, 2);
  assert.equal(call.filter((x) => x.kind === 'log').length, 1);
  const sip = call.find((x) => x.kind === 'sip');
  assert.equal(sip.parser, 'hep:127.0.0.1#7');
  assert.equal(sip.src, '10.0.0.1:5060');
  assert.equal(sip.capture.sender, '127.0.0.1');
  assert.equal(sip.transport, 'udp');
  // Node time from the HEP header, collector time from the receive clock (a little later).
  assert.ok(BigInt(sip.ref_ts) >= BigInt(sip.ts));
  assert.ok(BigInt(sip.ref_ts) - BigInt(sip.ts) < 10_000_000_000n);
  const tcp = await showJson(store, 'tcp-2@test');
  assert.equal(tcp.length, 1);
  assert.equal(tcp[0].parser, 'hep:127.0.0.1#8');
  assert.equal(tcp[0].transport, 'tcp');
});

test('listen --auth-key: packets without the key or with another are rejected and counted', async () => {
  const store = tempStore();
  const l = await startListen(store, ['--udp', '127.0.0.1:0', '--auth-key', 'sekrit', '--status-interval', '0.1']);
  const t = now();
  await sendUdp(l.udpPorts[0]!, [
    sipHep3(sipInvite('auth-ok@test'), { time: t, authKey: 'sekrit' }),
    sipHep3(sipInvite('auth-bad@test'), { time: t, authKey: 'guess' }),
    sipHep3(sipInvite('auth-none@test'), { time: t }),
  ]);
  assert.ok(await waitFor(() => /received 3\b/.test(l.stderr())), l.stderr());
  const r = await l.stop('SIGINT');
  assert.equal(r.code, 0);
  assert.equal(r.counters!.stored, 1);
  assert.deepEqual(r.counters!.rejected, { 'no auth key': 1, 'wrong auth key': 1 });
  assert.equal((await showJson(store, 'auth-ok@test')).length, 1);
  const missing = await runCli(['--store', store, 'show', '--format', 'json', 'auth-bad@test']);
  assert.notEqual(missing.code, 0);
});

test('listen --allow: senders outside the allow-list are rejected and counted', async () => {
  const store = tempStore();
  const l = await startListen(store, ['--udp', '127.0.0.1:0', '--allow', '10.0.0.0/8', '--allow', '::1', '--status-interval', '0.1']);
  await sendUdp(l.udpPorts[0]!, [sipHep3(sipInvite('deny@test'), { time: now() })]);
  assert.ok(await waitFor(() => /received 1\b/.test(l.stderr())), l.stderr());
  const r = await l.stop();
  assert.equal(r.code, 0);
  assert.deepEqual(r.counters!.rejected, { 'sender not allowed': 1 });
  assert.equal(r.counters!.stored, 0);

  const store2 = tempStore();
  const l2 = await startListen(store2, ['--udp', '127.0.0.1:0', '--allow', '127.0.0.0/8', '--status-interval', '0.1']);
  await sendUdp(l2.udpPorts[0]!, [sipHep3(sipInvite('allow@test'), { time: now() })]);
  assert.ok(await waitFor(() => /received 1\b/.test(l2.stderr())), l2.stderr());
  const r2 = await l2.stop();
  assert.equal(r2.counters!.stored, 1);
});

test('listen: bad flags are usage errors (exit 2), nothing is registered', async () => {
  const store = tempStore();
  for (const args of [['--udp', 'nonsense'], ['--allow', '10.0.0.0/99'], ['--allow', 'example.com'], ['--status-interval', '0']]) {
    const r = await runCli(['--store', store, 'listen', ...args]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
  }
  assert.equal(existsSync(join(store, '.run')) && readdirSync(join(store, '.run')).length > 0, false);
});
