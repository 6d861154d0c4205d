// `npm run bench` (full: ~1 GB per input kind, a 1,000,000-call store) and
// `npm run bench -- --quick` (tens of MB, a 20,000-call store; what CI may run).
// Every figure is the median of several runs, next to a reference measured in the same run on
// the same input (issue 6): tshark for pcaps, wc -l for logs, a full scan for list, node itself
// for start-up. Options: --dir DIR (work files, default $TMPDIR/call-inspector-bench),
// --runs N, --ingest-runs N, --size 1GB, --calls N (store size), --keep (keep the stores),
// --skip-ingest (only the store, show, list and start-up parts), --kinds pcap-sip,pcap-hep,
// freeswitch,kamailio (the ingest parts to run), --skip-listen, --skip-store (no store, show,
// list or start-up part), --prepare (only make the inputs and the store, for a later run to
// reuse), --reference-timeout S (stop a tshark reference after S seconds, default 1800: the
// ratio is then a lower bound).
import { spawnSync } from 'node:child_process';
import { cpus, loadavg, tmpdir } from 'node:os';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { corpusRoot, fixture, projectRoot } from '../test/helpers/corpus.js';
import { generate, parseSize, type GenerateStats, type OutputKind } from './generate/generate.js';
import { loadMaterial } from './generate/material.js';
import { openIndex } from '../src/store/call-index/db.js';

const args = process.argv.slice(2);
const opt = (name: string): string | undefined => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
const quick = args.includes('--quick');
const runs = Number(opt('--runs') ?? 3);
/** Ingest runs are long on big inputs: their own count. */
const ingestRuns = Number(opt('--ingest-runs') ?? runs);
const inputBytes = parseSize(opt('--size') ?? (quick ? '20MB' : '1GB'))!;
const storeCalls = Number(opt('--calls') ?? (quick ? 20000 : 1000000));
const dir = opt('--dir') ?? join(tmpdir(), 'call-inspector-bench');
// Run as a user runs it: the executable, so that its #! line's node flags apply.
const bin = join(projectRoot(), 'bin', 'call-inspector.js');
const hasTime = existsSync('/usr/bin/time');
const skipIngest = args.includes('--skip-ingest');
const skipListen = args.includes('--skip-listen');
const skipStore = args.includes('--skip-store');
/** The store's index was made by this build's own ingest (--prepare just now): no reindex part. */
const skipReindex = args.includes('--skip-reindex');
/** Seconds a reference run may take before it is stopped (tshark on a big capture with RTP can take hours). */
const referenceTimeout = Number(opt('--reference-timeout') ?? 1800);
/** --kinds pcap-hep,kamailio: only these ingest parts (default: all four). */
const kinds = new Set((opt('--kinds') ?? 'pcap-sip,pcap-hep,freeswitch,kamailio').split(','));

interface Measure { seconds: number; rssMb?: number; cpu?: number; code: number | null; stdout: string; stderr: string }

/** One process, wall time from here, peak RSS from /usr/bin/time (GNU time's %M, kB). */
function measure(cmd: string, argv: string[], env: Record<string, string> = {}): Measure {
  const rssFile = join(dir, `rss.${process.pid}.txt`);
  const full = hasTime ? ['/usr/bin/time', ['-f', '%M %U %S', '-o', rssFile, cmd, ...argv]] as const : [cmd, argv] as const;
  const t = process.hrtime.bigint();
  const r = spawnSync(full[0], [...full[1]], { encoding: 'utf8', maxBuffer: 1 << 30, env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const seconds = Number(process.hrtime.bigint() - t) / 1e9;
  let rssMb: number | undefined, cpu: number | undefined;
  if (hasTime) {
    try {
      const [m, u, sy] = readFileSync(rssFile, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
      rssMb = m! / 1024;
      cpu = u! + sy!;
    } catch { /* killed */ }
  }
  return { seconds, rssMb, cpu, code: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

function repeat(n: number, f: (i: number) => Measure): { seconds: number; rssMb?: number; cpu?: number; last: Measure; all: number[] } {
  const ms: Measure[] = [];
  for (let i = 0; i < n; i++) ms.push(f(i));
  const rss = ms.map((m) => m.rssMb).filter((x): x is number => x !== undefined);
  const cpu = ms.map((m) => m.cpu).filter((x): x is number => x !== undefined);
  return { seconds: median(ms.map((m) => m.seconds)), rssMb: rss.length ? Math.max(...rss) : undefined, cpu: cpu.length ? median(cpu) : undefined, last: ms[ms.length - 1]!, all: ms.map((m) => m.seconds) };
}

/** Wall time, and the CPU time (user + sys), which a loaded machine disturbs less. */
const wallCpu = (m: { seconds: number; cpu?: number }) => `${fmtS(m.seconds)}${m.cpu !== undefined ? ` (cpu ${fmtS(m.cpu)})` : ''}`;

interface Row { what: string; input: string; ours: string; reference: string; ratio: string; target: string; ok: string }
const rows: Row[] = [];
const notes: string[] = [];
const fmtS = (s: number) => (s < 1 ? `${(s * 1000).toFixed(0)} ms` : `${s.toFixed(2)} s`);
const fmtMB = (b: number) => `${(b / 1e6).toFixed(0)} MB`;
function row(r: Row): void { rows.push(r); process.stderr.write(`bench: ${r.what}: ${r.ours} vs ${r.reference} (${r.ratio}) ${r.ok}\n`); }

async function input(kind: OutputKind, bytes: number | undefined, calls: number | undefined, span: number, tag: string): Promise<GenerateStats> {
  const out = join(dir, `${tag}.${kind}${kind.startsWith('pcap') ? '.pcap' : '.log'}`);
  const meta = out + '.json';
  const want = JSON.stringify({ kind, bytes, calls, span });
  if (existsSync(out) && existsSync(meta)) {
    const m = JSON.parse(readFileSync(meta, 'utf8')) as { want: string; stats: GenerateStats };
    if (m.want === want && statSync(out).size === m.stats.bytes) return m.stats; // same inputs as last time
  }
  process.stderr.write(`bench: generating ${out} …\n`);
  const end = Math.floor(Date.now() / 1000);
  const stats = await generate(material, { kind, out, bytes, calls, end, span, seed: 6 });
  writeFileSync(meta, JSON.stringify({ want, stats, end }));
  return stats;
}

function freshStore(name: string): string {
  const s = join(dir, name);
  rmSync(s, { recursive: true, force: true });
  return s;
}

function ingestArgs(store: string, file: string): string[] {
  return ['--store', store, 'ingest', '--quiet', '--utc-offset', '+00:00', file];
}

const material = loadMaterial({ corpus: corpusRoot(), fixtures: fixture('') });

/**
 * A store of N calls, built by ingest from a generated HEP capture (a collector's month), kept in
 * the work dir and reused by later runs with the same --calls.
 */
async function callStore(): Promise<{ g: GenerateStats; store: string }> {
  // HEP rather than a Kazoo-scheme log: those carry no raw SIP, so their calls have no
  // from/to/status and `--failed` or a text filter would have nothing to find.
  const month = 30 * 86400;
  const g = await input('pcap-hep', undefined, storeCalls, month, `store${storeCalls}`);
  const store = join(dir, `store-hep-${storeCalls}`);
  const storeMeta = join(dir, `store-hep-${storeCalls}.json`);
  let build: { seconds: number; rssMb?: number; at?: string } | undefined;
  let when = '';
  if (existsSync(storeMeta) && existsSync(join(store, '.index', 'calls.sqlite'))) {
    build = JSON.parse(readFileSync(storeMeta, 'utf8')) as { seconds: number; rssMb?: number; at?: string };
    when = ` (built by an earlier run${build.at ? ` at ${build.at}` : ''}, reused)`;
  } else {
    rmSync(store, { recursive: true, force: true });
    process.stderr.write(`bench: building a ${storeCalls}-call store by ingest (${fmtMB(g.bytes)} HEP pcap) …\n`);
    const m = measure(bin, ingestArgs(store, g.out));
    if (m.code !== 0) throw new Error(`store ingest failed: ${m.stderr.slice(-500)}`);
    build = { seconds: m.seconds, rssMb: m.rssMb, at: new Date().toISOString() };
    writeFileSync(storeMeta, JSON.stringify(build));
  }
  row({ what: `ingest into a new store (index kept by the hook)${when}`, input: `${fmtMB(g.bytes)}, ${g.calls} calls`,
    ours: `${fmtS(build.seconds)}${build.rssMb !== undefined ? `, peak RSS ${build.rssMb.toFixed(0)} MB` : ''}`,
    reference: '', ratio: `${(g.calls / build.seconds).toFixed(0)} calls/s`, target: '', ok: '' });
  return { g, store };
}

async function main(): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const cpu = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpus()[0]?.model ?? 'unknown';
  const machine = `${cpu}, ${spawnSync('nproc', { encoding: 'utf8' }).stdout.trim()} cores, node ${process.version}`;
  const load0 = loadavg()[0]!;
  process.stderr.write(`bench: ${quick ? 'quick' : 'full'} run on ${machine}; work dir ${dir}\n`);
  const hasTshark = spawnSync('tshark', ['--version']).status === 0;
  const week = 7 * 86400;

  // --prepare: make every input and the N-call store (long at full size), time nothing else.
  if (args.includes('--prepare')) {
    for (const kind of ['pcap-sip', 'pcap-hep', 'freeswitch', 'kamailio'] as const) await input(kind, inputBytes, undefined, week, 'in');
    await callStore();
    print(machine, load0, loadavg()[0]!);
    return;
  }

  // ---- pcap ingest vs tshark ----
  for (const kind of skipIngest ? [] : (['pcap-sip', 'pcap-hep'] as const).filter((k) => kinds.has(k))) {
    const g = await input(kind, inputBytes, undefined, week, 'in');
    const ours = repeat(ingestRuns, () => measure(bin, ingestArgs(freshStore('store-pcap'), g.out)));
    if (ours.last.code !== 0) notes.push(`${kind} ingest exited ${ours.last.code}: ${ours.last.stderr.slice(-300)}`);
    if (!hasTshark) { notes.push('tshark not installed: no pcap reference'); continue; }
    // coreutils' timeout stops tshark itself (exit 124): the ratio is then a lower bound.
    const ref = repeat(ingestRuns, () => measure('timeout', [String(referenceTimeout), 'tshark', '-r', g.out, '-Y', 'sip', '-T', 'fields', '-e', 'sip.Call-ID']));
    const stopped = ref.last.code === 124;
    const ratio = ref.seconds / ours.seconds;
    row({ what: `${kind} ingest`, input: `${fmtMB(g.bytes)}, ${g.calls} calls, ${g.messages} SIP${g.rtpPackets ? ` + ${g.rtpPackets} RTP` : ''}`,
      ours: `${fmtS(ours.seconds)} (${(g.bytes / 1e6 / ours.seconds).toFixed(1)} MB/s)`,
      reference: `tshark -Y sip: ${stopped ? `> ${fmtS(ref.seconds)} (stopped by --reference-timeout)` : fmtS(ref.seconds)}`,
      ratio: `${stopped ? '> ' : ''}${ratio.toFixed(2)}x faster`, target: '>= 10x', ok: ratio >= 10 ? 'yes' : stopped ? 'unknown' : 'NO' });
    row({ what: `${kind} ingest peak RSS`, input: fmtMB(g.bytes), ours: ours.rssMb !== undefined ? `${ours.rssMb.toFixed(0)} MB` : 'n/a',
      reference: ref.rssMb !== undefined ? `tshark ${ref.rssMb.toFixed(0)} MB` : 'n/a', ratio: '', target: '< 200 MB', ok: (ours.rssMb ?? 1e9) < 200 ? 'yes' : 'NO' });
    if (kind === 'pcap-hep') notes.push('tshark 4.0 has no HEP3 dissector: on the HEP pcap its time is reading and dissecting UDP without finding SIP');
  }
  rmSync(join(dir, 'store-pcap'), { recursive: true, force: true });

  // ---- log ingest vs wc -l ----
  for (const kind of skipIngest ? [] : (['freeswitch', 'kamailio'] as const).filter((k) => kinds.has(k))) {
    const g = await input(kind, inputBytes, undefined, week, 'in');
    const ours = repeat(ingestRuns, () => measure(bin, ingestArgs(freshStore('store-log'), g.out)));
    if (ours.last.code !== 0) notes.push(`${kind} ingest exited ${ours.last.code}: ${ours.last.stderr.slice(-300)}`);
    const ref = repeat(runs, () => measure('wc', ['-l', g.out]));
    const ratio = ours.seconds / ref.seconds;
    row({ what: `${kind} log ingest`, input: `${fmtMB(g.bytes)}, ${g.calls} calls, ${g.messages} ${kind === 'kamailio' ? 'transactions' : 'SIP'}`,
      ours: `${fmtS(ours.seconds)} (${(g.bytes / 1e6 / ours.seconds).toFixed(1)} MB/s)`, reference: `wc -l: ${fmtS(ref.seconds)}`,
      ratio: `${ratio.toFixed(1)}x slower`, target: '<= 20x', ok: ratio <= 20 ? 'yes' : 'NO' });
    row({ what: `${kind} ingest peak RSS`, input: fmtMB(g.bytes), ours: ours.rssMb !== undefined ? `${ours.rssMb.toFixed(0)} MB` : 'n/a',
      reference: '', ratio: '', target: '< 200 MB', ok: (ours.rssMb ?? 1e9) < 200 ? 'yes' : 'NO' });
  }
  rmSync(join(dir, 'store-log'), { recursive: true, force: true });

  // ---- listen (bench/listen.ts): fresh stores, and stores whose fan-out exists (steady state) ----
  const listenBench = join(projectRoot(), 'dist', 'bench', 'listen.js');
  for (const extra of skipListen ? [] : [[], ['--fanout']]) {
    const r = spawnSync(process.execPath, [listenBench, ...(quick ? ['--quick'] : []), ...extra], { encoding: 'utf8', maxBuffer: 1 << 26 });
    notes.push(`listen (bench/listen.ts ${extra.join(' ')}, exit ${r.status}):\n${(r.stdout || r.stderr).trim()}`);
  }

  if (skipStore) { // --skip-store: the ingest and listen parts only
    print(machine, load0, loadavg()[0]!);
    return;
  }
  const { g, store } = await callStore();
  const { end } = JSON.parse(readFileSync(g.out + '.json', 'utf8')) as { end: number };
  const cli = (argv: string[], env: Record<string, string> = {}) => measure(bin, ['--store', store, ...argv], env);

  // Rebuild from the call files: timed, and it makes the index match the code running now
  // (an index whose rows were computed by other code is not used: see call-index/db.ts).
  if (!skipReindex) {
    const reindex = repeat(1, () => cli(['reindex', '--quiet']));
    if (reindex.last.code !== 0) notes.push(`reindex failed: ${reindex.last.stderr.slice(0, 300)}`);
    row({ what: 'reindex', input: `${storeCalls}-call store`, ours: fmtS(reindex.seconds), reference: '', ratio: `${(storeCalls / reindex.seconds).toFixed(0)} calls/s`, target: '', ok: '' });
  }

  // show: Call-IDs spread over the store, read from its index. (Not recomputed from the
  // material: templates depend on what is installed, tshark among them, when the store was made.)
  const showRuns = Math.max(5, runs * 3);
  const indexDb = openIndex(store, { create: false });
  if (!indexDb) throw new Error(`no list index in ${store} after reindex`);
  const firstAtOrAfter = indexDb.prepare('SELECT call_id FROM calls WHERE hash >= ? ORDER BY hash LIMIT 1').pluck();
  const showIds = Array.from({ length: showRuns }, (_, i) => firstAtOrAfter.get(Math.floor((i + 0.5) * 4096 / showRuns).toString(16).padStart(3, '0')) as string);
  indexDb.close();
  const show = repeat(showRuns, (i) => cli(['show', showIds[i]!, '-f', 'json']));
  if (show.last.code !== 0) notes.push(`show failed: ${show.last.stderr.slice(0, 300)}`);
  const node0 = repeat(showRuns, () => measure(process.execPath, ['-e', '0']));
  row({ what: 'show CALLID -f json (whole process)', input: `${storeCalls}-call store`, ours: wallCpu(show), reference: `node -e 0: ${wallCpu(node0)}`,
    ratio: `+${fmtS(show.seconds - node0.seconds)} over node`, target: '< 100 ms', ok: show.seconds < 0.1 ? 'yes' : 'NO' });

  // list with a time range and a filter; list --failed --since 1d.
  const iso = (t: number) => new Date(t * 1000).toISOString();
  const listCases: [string, string[]][] = [
    ['list: 2 h window + text filter', ['list', '-f', 'json', '--since', iso(end - 10 * 86400), '--until', iso(end - 10 * 86400 + 7200), '--filter', 'invite']],
    // The store's last day, as an absolute time so that the scan answers the same question.
    ['list --failed --since 1d', ['list', '-f', 'json', '--failed', '--since', iso(end - 86400)]],
    ['list --since 1d (table)', ['list', '--since', iso(end - 86400)]],
  ];
  for (const [what, argv] of listCases) {
    const ours = repeat(runs, () => cli(argv));
    if (ours.last.code !== 0) { notes.push(`${what}: exit ${ours.last.code}: ${ours.last.stderr.slice(0, 300)}`); continue; }
    const n = argv.includes('json') ? (JSON.parse(ours.last.stdout) as unknown[]).length : Number(/(\d+) calls?\s*$/.exec(ours.last.stdout)?.[1] ?? NaN);
    let reference = 'scan: skipped (too slow at this size)', ratio = '';
    if (storeCalls <= 50000) {
      const scan = repeat(1, () => cli(argv, { CALL_INSPECTOR_INDEX: 'off' }));
      const same = scan.last.stdout === ours.last.stdout;
      reference = `full scan: ${fmtS(scan.seconds)}${same ? '' : ' (DIFFERENT OUTPUT)'}`;
      ratio = `${(scan.seconds / ours.seconds).toFixed(0)}x faster`;
    }
    row({ what, input: `${storeCalls}-call store, ${n} rows`, ours: wallCpu(ours), reference, ratio, target: '< 1 s', ok: ours.seconds < 1 ? 'yes' : 'NO' });
  }

  // ---- start-up ----
  measure(bin, ['--help']); // renders the help cache once for this build
  const help = repeat(Math.max(5, runs * 3), () => measure(bin, ['--help']));
  const node0b = repeat(Math.max(5, runs * 3), () => measure(process.execPath, ['-e', '0']));
  const helpSlow = repeat(Math.max(3, runs), () => measure(bin, ['--help'], { CALL_INSPECTOR_NO_FAST_PATH: '1' }));
  row({ what: '--help (whole process)', input: '', ours: wallCpu(help), reference: `node -e 0: ${wallCpu(node0b)}; via yargs: ${wallCpu(helpSlow)}`,
    ratio: `+${fmtS(help.seconds - node0b.seconds)} over node`, target: '< 150 ms', ok: help.seconds < 0.15 ? 'yes' : 'NO' });

  if (!args.includes('--keep') && quick) rmSync(store, { recursive: true, force: true });
  const load1 = loadavg()[0]!;
  print(machine, load0, load1);
}

function print(machine: string, load0: number, load1: number): void {
  const cols: (keyof Row)[] = ['what', 'input', 'ours', 'reference', 'ratio', 'target', 'ok'];
  const head: Row = { what: 'measure', input: 'input', ours: 'call-inspector', reference: 'reference (same run, same input)', ratio: 'ratio', target: 'target', ok: 'met' };
  const w = cols.map((c) => Math.max(...[head, ...rows].map((r) => r[c].length)));
  const line = (r: Row) => '| ' + cols.map((c, i) => r[c].padEnd(w[i]!)).join(' | ') + ' |';
  const out = [
    `call-inspector bench (${quick ? '--quick' : 'full'}), ${new Date().toISOString()}`,
    `machine: ${machine}; load average ${load0.toFixed(2)} at start, ${load1.toFixed(2)} at end (other processes share the cores: figures are medians of ${runs} runs)`,
    '', line(head), '|' + w.map((n) => '-'.repeat(n + 2)).join('|') + '|', ...rows.map(line), '',
    ...notes.map((n) => `note: ${n}`), '',
  ].join('\n');
  process.stdout.write(out);
  writeFileSync(join(dir, `results-${args.includes('--prepare') ? 'prepare' : quick ? 'quick' : 'full'}.txt`), out);
}

main().catch((e) => { process.stderr.write(`bench: ${(e as Error).stack ?? e}\n`); process.exitCode = 1; });

