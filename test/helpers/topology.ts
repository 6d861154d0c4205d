// The real two-proxy topology on loopback (fixtures/topology/README.md), for test/topology.test.ts
// and fixtures/topology/make-demo.sh:
//
//   sipp UAC 127.0.0.10:B → Kamailio P1 127.0.0.11:B+1 → Kamailio P2 127.0.0.12:B+2 → sipp UAS 127.0.0.13:B+3
//
// B is a random free base port (parallel-safe). Each proxy mirrors every SIP message it receives
// and sends as HEP v3 (capture id 11 / 12) to a collector on 127.0.0.1:B+4 (our `listen`, or a
// tshark capture of those datagrams), and logs in Kazoo's xlog scheme to its own private
// rsyslogd through a private /dev/log (private-devlog.sh). P1 and its rsyslogd run under
// libfaketime: that host's clock is off by a known offset. tshark on lo captures the whole SIP
// exchange on one true clock: the ground truth. Every process is its own process group, killed
// with bounded timeouts; nothing system-wide (services, /dev/log, default ports) is touched.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, constants, existsSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { runCli, type CliResult } from './cli.js';
import { projectRoot } from './corpus.js';

export const TOPOLOGY_DIR = join(projectRoot(), 'fixtures', 'topology');

export const ADDR = { uac: '127.0.0.10', p1: '127.0.0.11', p2: '127.0.0.12', uas: '127.0.0.13', hep: '127.0.0.1' } as const;
export const CAPTURE_ID = { p1: 11, p2: 12 } as const;
export const REALM = 'topology.test';
export const USER = 'alice';
export const PASSWORD = 'topsecret';

const FAKETIME_LIBS = [
  '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1',
  '/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1',
  '/usr/lib/faketime/libfaketime.so.1',
];
const KAMAILIO_MPATHS = ['/usr/lib/x86_64-linux-gnu/kamailio/modules', '/usr/lib/aarch64-linux-gnu/kamailio/modules', '/usr/lib/kamailio/modules'];

// ---- prerequisites -------------------------------------------------------------------------

function onPath(cmd: string): boolean {
  for (const dir of (process.env.PATH ?? '').split(delimiter).concat(['/usr/sbin', '/sbin'])) {
    try { accessSync(join(dir, cmd), constants.X_OK); return true; } catch { /* next */ }
  }
  return false;
}

export function faketimeLib(): string | undefined {
  return FAKETIME_LIBS.find((p) => existsSync(p));
}

export function kamailioModules(): string | undefined {
  return KAMAILIO_MPATHS.find((p) => existsSync(join(p, 'siptrace.so')));
}

let skipCache: string | false | undefined;
/** For node:test's `skip`: false when the topology can run here, else why not (Debian packages to install). */
export function topologySkip(): string | false {
  if (skipCache !== undefined) return skipCache;
  const missing: string[] = [];
  const need: [string, string][] = [['kamailio', 'kamailio'], ['sipp', 'sip-tester'], ['tshark', 'tshark'], ['rsyslogd', 'rsyslog'], ['unshare', 'util-linux']];
  for (const [cmd, pkg] of need) if (!onPath(cmd)) missing.push(`${cmd} (Debian ${pkg})`);
  if (!faketimeLib()) missing.push('libfaketime (Debian faketime)');
  if (onPath('kamailio') && !kamailioModules()) missing.push('kamailio modules siptrace/auth (Debian kamailio)');
  if (missing.length) return (skipCache = `topology needs ${missing.join(', ')}`);
  // private-devlog.sh needs a private mount namespace (root / CAP_SYS_ADMIN).
  const probe = spawnSync('unshare', ['-m', 'true'], { timeout: 5000 });
  if (probe.status !== 0) return (skipCache = `topology needs root for 'unshare -m' (private /dev/log): ${String(probe.stderr).trim() || 'failed'}`);
  return (skipCache = false);
}

// ---- processes -----------------------------------------------------------------------------

export class Proc {
  readonly exited: Promise<number | null>;
  exitCode: number | null | undefined;
  constructor(readonly name: string, readonly child: ChildProcess, readonly stdoutFile: string, readonly stderrFile: string) {
    this.exited = new Promise((resolve) => {
      child.on('exit', (code, signal) => { this.exitCode = code ?? (signal ? null : code); resolve(code); });
      child.on('error', () => { this.exitCode = null; resolve(null); });
    });
  }
  get running(): boolean { return this.exitCode === undefined; }
  stderr(): string { try { return readFileSync(this.stderrFile, 'utf8'); } catch { return ''; } }
  stdout(): string { try { return readFileSync(this.stdoutFile, 'utf8'); } catch { return ''; } }
}

/** Every process started and not yet reaped: `killAllTopologyProcesses` (the tests' `after`) ends them. */
const live = new Set<Proc>();

function start(name: string, dir: string, cmd: string, args: string[], env: Record<string, string> = {}): Proc {
  const out = join(dir, `${name}.stdout`), err = join(dir, `${name}.stderr`);
  const o = openSync(out, 'w'), e = openSync(err, 'w');
  // detached: its own process group, so that stopping it reaches its children (kamailio workers).
  const child = spawn(cmd, args, { cwd: dir, env: { ...process.env, ...env }, stdio: ['ignore', o, e], detached: true });
  closeSync(o); closeSync(e);
  const p = new Proc(name, child, out, err);
  live.add(p);
  void p.exited.then(() => live.delete(p));
  return p;
}

function signalGroup(p: Proc, sig: NodeJS.Signals): void {
  if (p.child.pid === undefined) return;
  try { process.kill(-p.child.pid, sig); } catch { /* already gone */ }
}

function timeout(ms: number): Promise<'timeout'> {
  return new Promise((r) => setTimeout(() => r('timeout'), ms).unref());
}

/** SIGTERM the process group, SIGKILL it after `graceMs`; bounded in time either way. */
export async function stopProc(p: Proc, graceMs = 3000): Promise<void> {
  if (!p.running) return;
  signalGroup(p, 'SIGTERM');
  if ((await Promise.race([p.exited, timeout(graceMs)])) !== 'timeout') return;
  signalGroup(p, 'SIGKILL');
  await Promise.race([p.exited, timeout(2000)]);
}

export async function killAllTopologyProcesses(): Promise<void> {
  await Promise.all([...live].map((p) => stopProc(p, 1000)));
}

async function waitProc(p: Proc, ms: number): Promise<number | null | 'timeout'> {
  return Promise.race([p.exited, timeout(ms)]);
}

/** Polls `ready` every 25 ms; throws with `what` and the process's stderr when `ms` passes or it dies. */
async function waitFor(what: string, ms: number, ready: () => boolean, proc?: Proc): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    if (ready()) return;
    if (proc && !proc.running) throw new Error(`${proc.name} exited (${proc.exitCode}) before ${what}:\n${proc.stderr().slice(-2000)}`);
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}${proc ? `:\n${proc.stderr().slice(-2000)}` : ''}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

// ---- ports ---------------------------------------------------------------------------------

/** UDP sockets bound now, from /proc/net/udp ("0B00007F:13C4": little-endian IPv4, hex port). */
function boundUdp(): { ip: string; port: number }[] {
  let text = '';
  try { text = readFileSync('/proc/net/udp', 'utf8'); } catch { return []; }
  const out: { ip: string; port: number }[] = [];
  for (const line of text.split('\n').slice(1)) {
    const m = /^\s*\d+:\s+([0-9A-F]{8}):([0-9A-F]{4})\s/.exec(line);
    if (!m) continue;
    const n = parseInt(m[1]!, 16);
    out.push({ ip: [n & 255, (n >>> 8) & 255, (n >>> 16) & 255, n >>> 24].join('.'), port: parseInt(m[2]!, 16) });
  }
  return out;
}

function udpBound(ip: string, port: number): boolean {
  return boundUdp().some((s) => s.port === port && (s.ip === ip || s.ip === '0.0.0.0'));
}

/** A base port B with B..B+4 free on every address (random, so parallel runs do not meet). */
export function pickBasePort(): number {
  for (let i = 0; i < 50; i++) {
    const base = 20000 + 5 * Math.floor(Math.random() * 7000);
    const used = new Set(boundUdp().map((s) => s.port));
    if (![0, 1, 2, 3, 4].some((k) => used.has(base + k))) return base;
  }
  throw new Error('no free UDP port range found');
}

// ---- scenarios -----------------------------------------------------------------------------

export interface Scenario {
  name: string;
  /** sipp UAC scenario file in fixtures/topology. */
  uac: string;
  /** R-URI user ([service]). */
  service: string;
  /** sipp UAS scenario file, when the call reaches the UAS. */
  uas?: string;
  uacArgs?: string[];
  /** P2's fr_inv_timer in ms (P1's stays long so that P2's fires first). */
  p2FrInv?: number;
}

export const SCENARIOS: Record<string, Scenario> = {
  answered: { name: 'answered', uac: 'uac-invite.xml', service: '1000', uas: 'uas-answer.xml' },
  busy: { name: 'busy', uac: 'uac-invite.xml', service: '1000', uas: 'uas-busy.xml' },
  notfound: { name: 'notfound', uac: 'uac-invite.xml', service: '404' },
  cancelled: { name: 'cancelled', uac: 'uac-cancel.xml', service: '1000', uas: 'uas-ring.xml' },
  timeout: { name: 'timeout', uac: 'uac-invite.xml', service: '1000', uas: 'uas-ring.xml', p2FrInv: 2000 },
  options: { name: 'options', uac: 'uac-options.xml', service: 'ping' },
  register: { name: 'register', uac: 'uac-register.xml', service: USER, uacArgs: ['-au', USER, '-ap', PASSWORD] },
};

export interface TopologyOptions {
  /** libfaketime offset for P1 and its rsyslogd, in seconds with a sign, e.g. '+7.5' or '-4.25'. */
  p1Offset: string;
  /** 'listen': our `listen` command receives the HEP into `hepStore`; 'pcap': tshark captures it into `hepPcap`. */
  hep: 'listen' | 'pcap';
  /** Keep the work directory (also when TOPOLOGY_KEEP=1). */
  keep?: boolean;
  /** One SIP port for all four entities (they differ by address), e.g. 5060 for a readable demo; default: a random free range. */
  sipPort?: number;
  /** The HEP collector's port on 127.0.0.1 (with sipPort); default sipPort + 4000. */
  hepPort?: number;
  /** A fixed Call-ID instead of a random one. */
  callId?: string;
}

export interface TopologyRun {
  scenario: string;
  dir: string;
  callId: string;
  base: number;
  p1Offset: string;
  endpoints: { uac: string; p1: string; p2: string; uas: string; hep: string };
  truthPcap: string;
  hepStore?: string;
  hepPcap?: string;
  p1Log: string;
  p2Log: string;
  uacExit: number | null | 'timeout';
  uasExit?: number | null | 'timeout';
  /** Tail of every component's stderr, for failure messages. */
  diagnostics(): string;
  cleanup(): void;
}

function fill(template: string, values: Record<string, string | number>): string {
  const text = template.replace(/@([A-Z0-9_]+)@/g, (m, k: string) => (k in values ? String(values[k]) : m));
  const left = /@[A-Z0-9_]+@/.exec(text);
  if (left) throw new Error(`template placeholder ${left[0]} not filled`);
  return text;
}

function nonEmpty(path: string): boolean {
  try { return statSync(path).size > 0; } catch { return false; }
}

/**
 * Starts the topology, runs one scenario (one Call-ID), stops everything and returns the
 * evidence files. Throws (after stopping everything) when a component fails to start.
 */
export async function runTopologyScenario(scenario: Scenario, opts: TopologyOptions): Promise<TopologyRun> {
  const lib = faketimeLib();
  const mpath = kamailioModules();
  if (!lib || !mpath) throw new Error(String(topologySkip()));
  const dir = mkdtempSync(join(tmpdir(), `ci-topology-${scenario.name}-`));
  const base = opts.sipPort ?? pickBasePort();
  const port = opts.sipPort !== undefined
    ? { uac: base, p1: base, p2: base, uas: base, hep: opts.hepPort ?? base + 4000 }
    : { uac: base, p1: base + 1, p2: base + 2, uas: base + 3, hep: base + 4 };
  const sipFilter = opts.sipPort !== undefined ? `udp port ${base}` : `udp portrange ${base}-${base + 3}`;
  const ep = {
    uac: `${ADDR.uac}:${port.uac}`, p1: `${ADDR.p1}:${port.p1}`, p2: `${ADDR.p2}:${port.p2}`,
    uas: `${ADDR.uas}:${port.uas}`, hep: `${ADDR.hep}:${port.hep}`,
  };
  const callId = opts.callId ?? `topology-${scenario.name}-${Math.random().toString(36).slice(2, 10)}@${ADDR.uac}`;
  const fake = { LD_PRELOAD: lib, FAKETIME: opts.p1Offset, DONT_FAKE_MONOTONIC: '1' };
  const procs: Proc[] = [];
  const run: TopologyRun = {
    scenario: scenario.name, dir, callId, base, p1Offset: opts.p1Offset, endpoints: ep,
    truthPcap: join(dir, 'truth.pcap'), p1Log: join(dir, 'p1.log'), p2Log: join(dir, 'p2.log'),
    uacExit: 'timeout',
    diagnostics: () => procs.map((p) => `--- ${p.name} (exit ${p.exitCode}):\n${(p.stderr() + p.stdout()).slice(-1500)}`).join('\n'),
    cleanup: () => { if (!opts.keep && !process.env.TOPOLOGY_KEEP) rmSync(dir, { recursive: true, force: true }); },
  };
  const stopAll = async () => {
    // Upstream first: the proxies stop sending, then the receivers flush what they have.
    for (const group of [procs.filter((p) => /^sipp/.test(p.name)), procs.filter((p) => /^kamailio/.test(p.name)), procs.filter((p) => !/^(sipp|kamailio)/.test(p.name))]) {
      await Promise.all(group.map((p) => stopProc(p)));
    }
  };
  try {
    // Private rsyslogd per proxy; P1's runs on P1's skewed clock (it stamps reception time).
    const rsyslogTemplate = readFileSync(join(TOPOLOGY_DIR, 'rsyslog.conf.in'), 'utf8');
    for (const node of ['p1', 'p2'] as const) {
      const conf = join(dir, `rsyslog-${node}.conf`);
      const work = join(dir, `rsyslog-${node}`);
      spawnSync('mkdir', ['-p', work]);
      writeFileSync(conf, fill(rsyslogTemplate, { WORK: work, SOCKET: join(dir, `${node}-log.sock`), LOG_NAME: `kamailio-${node}`, FILE: node === 'p1' ? run.p1Log : run.p2Log }));
      const p = start(`rsyslogd-${node}`, dir, 'rsyslogd', ['-n', '-f', conf, '-i', join(dir, `rsyslogd-${node}.pid`)], node === 'p1' ? fake : {});
      procs.push(p);
    }
    for (const node of ['p1', 'p2']) await waitFor(`rsyslogd-${node}'s socket`, 10000, () => existsSync(join(dir, `${node}-log.sock`)), procs.find((p) => p.name === `rsyslogd-${node}`));

    // Ground truth: the SIP traffic between the four entities (not the HEP datagrams to B+4).
    const truth = start('tshark-truth', dir, 'tshark', ['-q', '-i', 'lo', '-f', `${sipFilter} and not udp port ${port.hep}`, '-w', run.truthPcap, '-F', 'pcap']);
    procs.push(truth);
    let hepCap: Proc | undefined;
    if (opts.hep === 'pcap') {
      run.hepPcap = join(dir, 'hep.pcap');
      hepCap = start('tshark-hep', dir, 'tshark', ['-q', '-i', 'lo', '-f', `udp dst port ${port.hep}`, '-w', run.hepPcap, '-F', 'pcap']);
      procs.push(hepCap);
    } else {
      run.hepStore = join(dir, 'node-store');
      hepCap = start('listen', dir, process.execPath, [join(projectRoot(), 'bin', 'call-inspector.js'), 'listen', '--udp', ep.hep, '--store', run.hepStore], { NO_COLOR: '1' });
      procs.push(hepCap);
    }
    await waitFor('tshark (ground truth) to capture', 20000, () => truth.stderr().includes('Capturing on'), truth);
    if (opts.hep === 'pcap') await waitFor('tshark (HEP) to capture', 20000, () => hepCap!.stderr().includes('Capturing on'), hepCap);
    else await waitFor('listen to listen', 20000, () => hepCap!.stderr().includes('listening on') && udpBound(ADDR.hep, port.hep), hepCap);

    // The two proxies, each in its own mount namespace with /dev/log → its rsyslogd.
    const cfgTemplate = readFileSync(join(TOPOLOGY_DIR, 'proxy.cfg.in'), 'utf8');
    const proxies = [
      { node: 'p1', ip: ADDR.p1, port: port.p1, next: `sip:${ep.p2}`, frInv: 30000, env: fake },
      { node: 'p2', ip: ADDR.p2, port: port.p2, next: `sip:${ep.uas}`, frInv: scenario.p2FrInv ?? 30000, env: {} },
    ] as const;
    for (const px of proxies) {
      const work = join(dir, px.node);
      spawnSync('mkdir', ['-p', work]);
      const cfg = join(dir, `${px.node}.cfg`);
      writeFileSync(cfg, fill(cfgTemplate, {
        ROLE: px.node.toUpperCase(), IP: px.ip, PORT: px.port, NEXT: px.next, FR_INV: px.frInv,
        LOG_NAME: `kamailio-${px.node}`, HEP_IP: ADDR.hep, HEP_PORT: port.hep,
        CAPTURE_ID: CAPTURE_ID[px.node], MPATH: mpath + '/', REALM, PASSWORD,
      }));
      const envArgs = Object.entries(px.env).map(([k, v]) => `${k}=${v}`);
      const p = start(`kamailio-${px.node}`, dir, join(TOPOLOGY_DIR, 'private-devlog.sh'), [
        join(dir, `${px.node}-log.sock`), work,
        'env', ...envArgs, 'kamailio', '-DD', '-f', cfg, '-Y', work, '-P', join(work, 'kamailio.pid'), '-w', work, '-m', '32', '-M', '4',
      ]);
      procs.push(p);
    }
    for (const px of proxies) await waitFor(`kamailio-${px.node} on ${px.ip}:${px.port}`, 15000, () => udpBound(px.ip, px.port), procs.find((p) => p.name === `kamailio-${px.node}`));

    let uas: Proc | undefined;
    if (scenario.uas) {
      uas = start('sipp-uas', dir, 'sipp', ['-sf', join(TOPOLOGY_DIR, scenario.uas), '-i', ADDR.uas, '-p', String(port.uas), '-m', '1', '-nostdin', '-timeout', '20s', '-timeout_error', '-trace_err', '-error_file', join(dir, 'uas-errors.log')]);
      procs.push(uas);
      await waitFor(`sipp UAS on ${ep.uas}`, 10000, () => udpBound(ADDR.uas, port.uas), uas);
    }
    const uac = start('sipp-uac', dir, 'sipp', [
      '-sf', join(TOPOLOGY_DIR, scenario.uac), '-i', ADDR.uac, '-p', String(port.uac), '-s', scenario.service,
      '-cid_str', callId, '-m', '1', '-nostdin', '-timeout', '20s', '-timeout_error', '-trace_err', '-error_file', join(dir, 'uac-errors.log'),
      ...(scenario.uacArgs ?? []), ep.p1,
    ]);
    procs.push(uac);
    run.uacExit = await waitProc(uac, 25000);
    if (uas) run.uasExit = await waitProc(uas, 10000);
    // Let the last datagrams (HEP, syslog) arrive: wait until the ground truth stops growing.
    let last = -1;
    await waitFor('the capture to settle', 5000, () => {
      const size = existsSync(run.truthPcap) ? statSync(run.truthPcap).size : 0;
      const settled = size === last && size > 0;
      last = size;
      return settled;
    }).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 300));
    await stopAll();
    for (const f of [run.truthPcap, run.p1Log, run.p2Log]) if (!nonEmpty(f)) throw new Error(`${f} is empty`);
    if (run.hepPcap && !nonEmpty(run.hepPcap)) throw new Error(`${run.hepPcap} is empty`);
    return run;
  } catch (e) {
    await stopAll();
    (e as Error).message += `\n${run.diagnostics()}\n(work directory ${dir})`;
    throw e;
  }
}

// ---- evidence → stores → dialogues ------------------------------------------------------------

async function cli(args: string[]): Promise<CliResult> {
  const r = await runCli(args, { timeoutMs: 60000 });
  if (r.code !== 0) throw new Error(`call-inspector ${args.join(' ')} exited ${r.code}:\n${r.stderr}${r.stdout.slice(0, 2000)}`);
  return r;
}

/**
 * The per-node evidence in one store: the HEP of both proxies (already in the listen store, or
 * the HEP pcap ingested) plus each proxy's log ingested with that proxy's address.
 */
export async function ingestNodeEvidence(run: TopologyRun, store: string): Promise<string[]> {
  const out: string[] = [];
  if (run.hepPcap) out.push((await cli(['ingest', '--store', store, run.hepPcap])).stderr.trim());
  out.push((await cli(['ingest', '--store', store, '--node-address', run.endpoints.p1, run.p1Log])).stderr.trim());
  out.push((await cli(['ingest', '--store', store, '--node-address', run.endpoints.p2, run.p2Log])).stderr.trim());
  return out;
}

export async function ingestTruth(run: TopologyRun, store: string): Promise<string> {
  return (await cli(['ingest', '--store', store, run.truthPcap])).stderr.trim();
}

export type ShownMessage = Record<string, unknown> & { index: number; kind: string; label?: string; src?: string; dst?: string };

export async function showJson(store: string, callId: string): Promise<ShownMessage[]> {
  return JSON.parse((await cli(['show', callId, '--store', store, '--format', 'json'])).stdout) as ShownMessage[];
}

export async function showInspect(store: string, callId: string): Promise<Record<string, unknown>> {
  return JSON.parse((await cli(['show', callId, '--store', store, '--inspect'])).stdout) as Record<string, unknown>;
}

export async function analyzeJson(store: string, callId: string): Promise<Record<string, any>> {
  return JSON.parse((await cli(['analyze', callId, '--store', store, '--format', 'json'])).stdout) as Record<string, any>;
}

/**
 * One SIP message as the comparison sees it: what it is (method, or status and CSeq method),
 * its CSeq, and the hop. Log-only annotations (kind 'log': Kazoo-scheme transactions that no
 * packet matched) carry no SIP identity and are left out (FORMATS.md §10.3).
 */
export function messageKey(m: ShownMessage): string {
  const status = m.status as number | undefined;
  const what = status !== undefined ? `${status} ${m.cseq_method ?? '?'}` : `${m.method ?? m.cseq_method ?? '?'}`;
  return `${what} cseq=${m.cseq_num ?? '?'} ${m.src ?? '?'} -> ${m.dst ?? '?'}`;
}

export function sipSequence(messages: ShownMessage[]): string[] {
  return messages.filter((m) => m.kind === 'sip').map(messageKey);
}
