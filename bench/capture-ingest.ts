// Capture ingest throughput and peak memory against tshark on the same large capture, in the
// same run: `node dist/bench/capture-ingest.js [copies]` (default 80 copies of the largest corpus
// file, each shifted by 200 s with editcap so that every copy is a distinct set of messages).
// Needs tshark, editcap, mergecap and /usr/bin/time (Debian: tshark, wireshark-common, time).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { corpusFile, projectRoot } from '../test/helpers/corpus.js';

const copies = Number(process.argv[2] ?? 80);
const src = corpusFile('pcap/heplify__FAX-Call-t38-CA-TDM-SIP-FB-1.pcap');
const dir = mkdtempSync(join(tmpdir(), 'ci-bench-'));
const parts: string[] = [];
for (let i = 0; i < copies; i++) {
  const p = join(dir, `c${String(i).padStart(4, '0')}.pcap`);
  execFileSync('editcap', ['-t', String(i * 200), src, p]);
  parts.push(p);
}
const big = join(dir, 'big.pcap');
execFileSync('mergecap', ['-a', '-F', 'pcap', '-w', big, ...parts]);
for (const p of parts) rmSync(p);
const bytes = statSync(big).size;

function measure(cmd: string, args: string[]): { seconds: number; rssMb: number } {
  const r = spawnSync('/usr/bin/time', ['-v', cmd, ...args], { encoding: 'utf8', maxBuffer: 1 << 30 });
  const wall = /Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):(\d+(?:\.\d+)?)/.exec(r.stderr);
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr);
  if (!wall || !rss) throw new Error(`could not measure ${cmd}: ${r.stderr.slice(-500)}`);
  const seconds = Number(wall[1] ?? 0) * 3600 + Number(wall[2]) * 60 + Number(wall[3]);
  return { seconds, rssMb: Number(rss[1]) / 1024 };
}

const store = join(dir, 'store');
const ours = measure(process.execPath, [join(projectRoot(), 'bin', 'call-inspector.js'), 'ingest', big, '--store', store, '--quiet']);
const tshark = measure('tshark', ['-r', big, '-Y', 'sip', '-T', 'fields', '-e', 'sip.Call-ID']);
const mb = bytes / 1e6;
console.log(`capture: ${copies} × heplify__FAX-Call-t38-CA-TDM-SIP-FB-1.pcap = ${mb.toFixed(1)} MB`);
console.log(`call-inspector ingest: ${ours.seconds.toFixed(2)} s, ${(mb / ours.seconds).toFixed(1)} MB/s, peak RSS ${ours.rssMb.toFixed(0)} MB`);
console.log(`tshark -Y sip -T fields -e sip.Call-ID: ${tshark.seconds.toFixed(2)} s, ${(mb / tshark.seconds).toFixed(1)} MB/s, peak RSS ${tshark.rssMb.toFixed(0)} MB`);
console.log(`speed-up: ${(tshark.seconds / ours.seconds).toFixed(1)}x`);
rmSync(dir, { recursive: true, force: true });
