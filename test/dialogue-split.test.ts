// Split-and-shift: real multi-hop captures from the corpus, split into one capture per node
// with tshark, each part time-shifted by its own offset with editcap, ingested as separate
// capture points. The dialogue built from the parts must be the dialogue of the single original
// capture, and the estimated offsets must undo the shifts. The parts are generated at run time
// in a temporary directory (corpus-derived files are never committed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { corpusFile, corpusSkip } from './helpers/corpus.js';
import { runCli, tempDir, tempStore } from './helpers/cli.js';

function toolSkip(): false | string {
  for (const tool of ['tshark', 'editcap']) {
    const r = spawnSync(tool, ['-v'], { stdio: 'ignore' });
    if (r.error || r.status !== 0) {
      if (process.env.CI) throw new Error(`${tool} missing in CI (Debian package tshark / wireshark-common)`);
      return `${tool} not installed (Debian: tshark, wireshark-common)`;
    }
  }
  return false;
}

interface Node { name: string; filter: string; shift: number }
interface Case { file: string; nodes: Node[] }

const V6 = 'fd17:625c:f037:2:a00:27ff:feb9';
const CASES: Case[] = [
  { file: 'pcap/sngrep__ipv6frag.pcap', nodes: [
    { name: 'uac-1521', filter: `ipv6.addr==${V6}:1521`, shift: +3.2 },
    { name: 'proxy-3519', filter: `ipv6.addr==${V6}:3519`, shift: +0.4 },
    { name: 'uas-4222', filter: `ipv6.addr==${V6}:4222`, shift: -7.5 },
  ] },
  { file: 'pcap/heplify__sip_tcp_websocket.pcap', nodes: [
    { name: 'ws-client', filter: 'ip.addr==10.243.17.55', shift: -7.5 },
    { name: 'proxy', filter: 'ip.addr==10.243.0.157', shift: +1.75 },
    { name: 'b2bua', filter: 'ip.addr==10.243.0.143', shift: +3.2 },
    { name: 'carrier', filter: 'ip.addr==10.243.1.36', shift: -12.25 },
    { name: 'carrier-contact', filter: 'ip.addr==18.214.104.248', shift: +5.5 },
  ] },
  { file: 'pcap/heplify__erspan_sip_ipv4_udp.pcapng', nodes: [
    { name: 'sbc', filter: 'ip.addr==101.231.48.19 || ip.addr==192.168.1.222', shift: -2.5 },
    { name: 'public-peer', filter: 'ip.addr==180.173.83.248', shift: +3.2 },
    { name: 'pbx-191', filter: 'ip.addr==192.168.1.191', shift: -7.5 },
    { name: 'pbx-198', filter: 'ip.addr==192.168.1.198', shift: +9.1 },
  ] },
  { file: 'pcap/heplify__FAX-Call-t38-CA-TDM-SIP-FB-1.pcap', nodes: [
    { name: 'gw-40-25', filter: 'ip.addr==10.35.40.25', shift: +3.2 },
    { name: 'relay-40-200', filter: 'ip.addr==10.35.40.200 || ip.addr==10.35.60.72', shift: -0.9 },
    { name: 'far-60-100', filter: 'ip.addr==10.35.60.100', shift: -7.5 },
    { name: 'leg-100-219', filter: 'ip.addr==192.168.100.219', shift: +4.4 },
    { name: 'leg-169-101', filter: 'ip.addr==138.132.169.101', shift: -1.3 },
  ] },
];

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')}: ${r.stderr}`);
}

/** The order-relevant view of a dialogue's json: who sent what to whom, which bytes. */
function sequence(json: string): string[] {
  return (JSON.parse(json) as Record<string, unknown>[]).map((m) =>
    [m['call-id'], m.label, m.src, m.dst, m.hash, m.retransmission_of === undefined ? '' : 'retx'].join(' | '));
}

async function callIds(store: string): Promise<string[]> {
  const r = await runCli(['list', '--store', store, '--format', 'json']);
  assert.equal(r.code, 0, r.stderr);
  return (JSON.parse(r.stdout) as { 'call-id': string }[]).map((c) => c['call-id']).filter((c) => c !== 'undefined').sort();
}

for (const c of CASES) {
  test(`split and shift ${c.file}: same order as the single capture, offsets recovered`, { skip: corpusSkip(c.file) || toolSkip(), timeout: 180000 }, async () => {
    const dir = tempDir('ci-split-');
    const original = tempStore(), parts = tempStore();
    const ing = await runCli(['ingest', '--quiet', '--store', original, corpusFile(c.file)]);
    assert.equal(ing.code, 0, ing.stderr);
    for (const n of c.nodes) {
      const part = join(dir, `${n.name}.pcapng`), shifted = join(dir, `${n.name}-shifted.pcapng`);
      run('tshark', ['-r', corpusFile(c.file), '-Y', n.filter, '-F', 'pcapng', '-w', part]);
      run('editcap', ['-t', String(n.shift), part, shifted]);
      const r = await runCli(['ingest', '--quiet', '--store', parts, '--parser', n.name, shifted]);
      assert.equal(r.code, 0, r.stderr);
    }
    const ids = await callIds(original);
    assert.ok(ids.length > 0);
    assert.deepEqual(await callIds(parts), ids, 'the same calls');
    const shift = new Map(c.nodes.map((n) => [n.name, n.shift]));
    for (const id of ids) {
      const a = await runCli(['show', '--store', original, '--format', 'json', id]);
      const b = await runCli(['show', '--store', parts, '--format', 'json', id]);
      assert.equal(a.code, 0, a.stderr);
      assert.equal(b.code, 0, b.stderr);
      assert.deepEqual(sequence(b.stdout), sequence(a.stdout), `${c.file} ${id}: order`);
      const insp = await runCli(['show', '--store', parts, '--inspect', id]);
      assert.equal(insp.code, 0, insp.stderr);
      const clocks = (JSON.parse(insp.stdout) as { clocks: { parser: string; offset_ns: string; method: string; support: number }[] }).clocks;
      const ref = clocks[0]!;
      assert.equal(ref.method, 'reference');
      const report: string[] = [];
      for (const k of clocks) {
        // offset(X) brings X's clock to the reference's: shift(ref) − shift(X).
        const want = BigInt(Math.round((shift.get(ref.parser)! - shift.get(k.parser)!) * 1e9));
        const got = BigInt(k.offset_ns);
        report.push(`${k.parser} applied ${shift.get(k.parser)! >= 0 ? '+' : ''}${shift.get(k.parser)} s, estimated ${(Number(got) / 1e9).toFixed(6)} s vs ${ref.parser} (${k.method}, support ${k.support})`);
        if (k.method === 'shared' || k.method === 'reference') {
          const err = got - want;
          assert.ok(err < 1_000_000n && err > -1_000_000n, `${k.parser}: estimated ${got} ns, expected ${want} ns`);
        }
      }
      console.log(`${c.file} ${id}: ${report.join('; ')}`);
    }
  });
}

test('split and shift without the proxy\'s capture: only causality ties the two ends', { skip: corpusSkip(CASES[0]!.file) || toolSkip(), timeout: 120000 }, async () => {
  const c = CASES[0]!;
  const dir = tempDir('ci-split-');
  const parts = tempStore();
  for (const n of c.nodes.filter((x) => !x.name.startsWith('proxy'))) {
    const part = join(dir, `${n.name}.pcapng`), shifted = join(dir, `${n.name}-shifted.pcapng`);
    run('tshark', ['-r', corpusFile(c.file), '-Y', n.filter, '-F', 'pcapng', '-w', part]);
    run('editcap', ['-t', String(n.shift), part, shifted]);
    const r = await runCli(['ingest', '--quiet', '--store', parts, '--parser', n.name, shifted]);
    assert.equal(r.code, 0, r.stderr);
  }
  const id = (await callIds(parts))[0]!;
  const insp = await runCli(['show', '--store', parts, '--inspect', id]);
  const clocks = (JSON.parse(insp.stdout) as { clocks: { parser: string; offset_ns: string; method: string; support: number }[] }).clocks;
  const other = clocks.find((k) => k.method !== 'reference')!;
  const ref = clocks[0]!;
  const shift = new Map(c.nodes.map((n) => [n.name, n.shift]));
  const want = shift.get(ref.parser)! - shift.get(other.parser)!;
  const got = Number(BigInt(other.offset_ns)) / 1e9;
  console.log(`${c.file} without the proxy: ${other.parser} applied ${shift.get(other.parser)} s, estimated ${got.toFixed(6)} s vs ${ref.parser} applied ${shift.get(ref.parser)} s (${other.method}, ${other.support} constraints); true relative offset ${want} s`);
  assert.equal(other.method, 'causal');
  // Bounded by the proxy's forwarding delays on this call: well under 100 ms.
  assert.ok(Math.abs(got - want) < 0.1, `estimated ${got}, true ${want}`);
});
