// The real topology end to end (issue 4 "Proof", issue 5 "Done when"): sipp UAC → Kamailio P1
// (under libfaketime: its host's clock is off) → Kamailio P2 → sipp UAS on loopback
// (test/helpers/topology.ts, fixtures/topology/README.md). For each scenario:
//   - the per-node evidence (HEP v3 of both proxies received by our `listen`, plus each proxy's
//     syslog file ingested with --node-address) must give, through `show --format json`, the
//     order of the ground truth (tshark on lo, one true clock, ingested into a separate store);
//   - the clock offset estimated for P1's HEP capture point must undo the faketime offset;
//   - `analyze --format json` must state the outcome, the node that generated the final
//     response and the failed leg.
// Needs the Debian packages kamailio, sip-tester, tshark, faketime, rsyslog (and root for the
// private /dev/log); skips with the reason otherwise.
import { after, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from './helpers/corpus.js';
import { tempStore } from './helpers/cli.js';
import {
  analyzeJson, CAPTURE_ID, ADDR, ingestNodeEvidence, ingestTruth, killAllTopologyProcesses, runTopologyScenario,
  SCENARIOS, messageKey, showInspect, showJson, sipSequence, topologySkip, type ShownMessage, type TopologyRun,
} from './helpers/topology.js';

const skip = topologySkip();
const root = projectRoot();
const hasListen = existsSync(join(root, 'src', 'cli', 'commands', 'listen.ts'));
const hasAnalyze = existsSync(join(root, 'src', 'cli', 'commands', 'analyze.ts'));

/** P1's clock offset per scenario (libfaketime FAKETIME, seconds): both signs, fractions. */
const P1_OFFSET: Record<string, string> = {
  answered: '+7.5', busy: '-4.25', notfound: '+3.125', cancelled: '-6.5', timeout: '+5.75', options: '-2.5', register: '+9.25',
};

type Node = 'uac' | 'p1' | 'p2' | 'uas';
interface Expected {
  /** Final status of the initial request as the caller saw it. */
  status: number;
  outcome: string;
  generatedBy: Node;
  failedLeg?: 'origination' | 'termination';
  /** Messages (status CSeq-method src → dst) that the ground truth itself must contain: checks the topology did what the scenario says. */
  truth: [string, Node, Node][];
}

const EXPECTED: Record<string, Expected> = {
  answered: { status: 200, outcome: 'answered', generatedBy: 'uas', truth: [['200 INVITE', 'uas', 'p2'], ['200 INVITE', 'p1', 'uac'], ['BYE', 'p2', 'uas'], ['200 BYE', 'p1', 'uac']] },
  busy: { status: 486, outcome: 'busy', generatedBy: 'uas', failedLeg: 'termination', truth: [['486 INVITE', 'uas', 'p2'], ['486 INVITE', 'p1', 'uac'], ['ACK', 'p2', 'uas']] },
  notfound: { status: 404, outcome: 'rejected', generatedBy: 'p2', failedLeg: 'termination', truth: [['404 INVITE', 'p2', 'p1'], ['404 INVITE', 'p1', 'uac'], ['ACK', 'p1', 'p2']] },
  cancelled: { status: 487, outcome: 'cancelled', generatedBy: 'uas', truth: [['CANCEL', 'p2', 'uas'], ['487 INVITE', 'uas', 'p2'], ['487 INVITE', 'p1', 'uac']] },
  timeout: { status: 408, outcome: 'timeout', generatedBy: 'p2', failedLeg: 'termination', truth: [['408 INVITE', 'p2', 'p1'], ['408 INVITE', 'p1', 'uac'], ['CANCEL', 'p2', 'uas']] },
  options: { status: 200, outcome: 'answered', generatedBy: 'p2', truth: [['200 OPTIONS', 'p2', 'p1'], ['200 OPTIONS', 'p1', 'uac']] },
  register: { status: 200, outcome: 'registered', generatedBy: 'p2', truth: [['401 REGISTER', 'p1', 'uac'], ['REGISTER', 'p1', 'p2'], ['200 REGISTER', 'p1', 'uac']] },
};

/**
 * Parts that depend on other engineers' work and did not pass when this file was written: the
 * subtest still runs and reports (node:test todo); delete the entry once it passes. Nothing here
 * weakens an assertion.
 */
const TODO: Record<string, string> = {};

const runs: TopologyRun[] = [];
after(async () => {
  await killAllTopologyProcesses();
  for (const r of runs) r.cleanup();
});

function key(what: string, src: string, dst: string): RegExp {
  const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^${esc(what)} cseq=\\d+ ${esc(src)} -> ${esc(dst)}$`);
}

/**
 * Messages of different senders that left within RACE_NS of each other (two nodes acting at
 * once: P2's timer CANCEL downstream while P1 relays its 408) are a race that per-node evidence
 * cannot decide: their stamps are only as good as the clock estimates (~0.1–1 ms here) and the
 * recorders' scheduling. The per-node order must be the ground truth's, except that such pairs
 * (and one node's sends less than SAME_SENDER_RACE_NS apart) may be inverted; any other
 * inversion, or a missing or extra message, fails.
 */
const RACE_NS = 2_000_000n;
/**
 * One node's own sends 0.1 ms apart were stamped by Kamailio's siptrace in the other order than
 * they left (a 200 to CANCEL and the CANCEL downstream, both ways across runs): below this the
 * node's evidence cannot order its own sends either.
 */
const SAME_SENDER_RACE_NS = 500_000n;
function allowRaces(node: string[], truthMsgs: ShownMessage[]): { expected: string[]; races: string[] } {
  const truth = truthMsgs.map(messageKey);
  const races: string[] = [];
  const sameMessages = [...node].sort().join('\n') === [...truth].sort().join('\n');
  if (!sameMessages) return { expected: truth, races };
  // Position of each truth message in the node order (duplicates matched in order).
  const used = new Set<number>();
  const pos = truth.map((k) => {
    const j = node.findIndex((n, idx) => n === k && !used.has(idx));
    used.add(j);
    return j;
  });
  for (let a = 0; a < truth.length; a++) {
    for (let b = a + 1; b < truth.length; b++) {
      if (pos[a]! < pos[b]!) continue;
      const x = truthMsgs[a]!, y = truthMsgs[b]!;
      const gap = BigInt(String(y.ts)) - BigInt(String(x.ts));
      const sameSender = x.src === y.src;
      if (gap >= (sameSender ? SAME_SENDER_RACE_NS : RACE_NS)) return { expected: truth, races: [] };
      races.push(`${truth[a]} / ${truth[b]} (${Number(gap) / 1e6} ms apart, ${sameSender ? 'same sender' : 'different senders'})`);
    }
  }
  return { expected: node, races };
}

function clockOf(clocks: Record<string, unknown>[], parser: (p: string) => boolean): Record<string, unknown> | undefined {
  return clocks.find((c) => parser(String(c.parser)));
}

describe('topology: sipp → Kamailio P1 (faketime) → Kamailio P2 → sipp, HEP + syslog per node vs loopback ground truth', { skip }, () => {
  for (const [name, scenario] of Object.entries(SCENARIOS)) {
    const exp = EXPECTED[name]!;
    test(name, { timeout: 90000 }, async (t: TestContext) => {
      const todo = (part: string) => TODO[`${name}/${part}`] ?? TODO[`*/${part}`];
      if (!hasListen) {
        // Without `listen`, the HEP is captured with tshark and ingested from a pcap.
        t.diagnostic('listen command missing: HEP captured by tshark into a pcap instead');
      }
      const run = await runTopologyScenario(scenario, { p1Offset: P1_OFFSET[name]!, hep: hasListen ? 'listen' : 'pcap' });
      runs.push(run);
      const at: Record<Node, string> = { uac: run.endpoints.uac, p1: run.endpoints.p1, p2: run.endpoints.p2, uas: run.endpoints.uas };
      console.log(`topology ${name}: Call-ID ${run.callId}; P1 faketime offset ${run.p1Offset} s (P1 HEP and P1 log); base port ${run.base}`);

      // --- the scenario itself happened as designed (our own topology, not others' code) ---
      assert.equal(run.uacExit, 0, `sipp UAC failed:\n${run.diagnostics()}`);
      if (scenario.uas) assert.equal(run.uasExit, 0, `sipp UAS failed:\n${run.diagnostics()}`);
      const truthStore = tempStore();
      const nodeStore = run.hepStore ?? tempStore();
      console.log(`  ${await ingestTruth(run, truthStore)}`);
      for (const line of await ingestNodeEvidence(run, nodeStore)) console.log(`  ${line}`);
      const truthMsgs = await showJson(truthStore, run.callId);
      const truth = sipSequence(truthMsgs);
      for (const [what, src, dst] of exp.truth) {
        assert.ok(truth.some((k) => key(what, at[src], at[dst]).test(k)), `ground truth lacks ${what} ${src}→${dst}:\n${truth.join('\n')}`);
      }
      // Every message of the ground truth passed a proxy, so one of the two HEP agents saw it.
      const nodeMsgs = await showJson(nodeStore, run.callId);
      const parsers = new Set(nodeMsgs.flatMap((m) => ((m.seen_by as { parser: string }[] | undefined) ?? [{ parser: String(m.parser) }]).map((s) => s.parser)));
      for (const node of ['p1', 'p2'] as const) {
        assert.ok([...parsers].some((p) => p.startsWith(`hep:${ADDR[node]}#${CAPTURE_ID[node]}`)), `no HEP from ${node} in the per-node store: ${[...parsers].join(', ')}`);
        assert.ok([...parsers].some((p) => p.endsWith(`${node}.log`)), `no ${node}.log chunk in the per-node store: ${[...parsers].join(', ')}`);
      }

      // faketime reached Kamailio: P1's HEP timestamps (node time) run ahead of the collector's
      // arrival time by the applied offset, P2's do not.
      for (const node of ['p1', 'p2'] as const) {
        const lags = nodeMsgs
          .flatMap((m) => ((m.seen_by as Record<string, unknown>[] | undefined) ?? [m]))
          .filter((o) => String(o.parser).startsWith(`hep:${ADDR[node]}#`))
          .map((o) => (Number(o.ts) - Number(o.ref_ts)) / 1e9)
          .sort((a, b) => a - b);
        const median = lags[Math.floor(lags.length / 2)]!;
        const want = node === 'p1' ? Number(run.p1Offset) : 0;
        console.log(`  ${node} HEP timestamp − arrival: median ${median.toFixed(6)} s over ${lags.length} (applied ${want} s)`);
        assert.ok(lags.length > 0 && Math.abs(median - want) < 0.2, `${node}'s HEP clock is ${median} s off, ${want} s applied`);
      }

      // --- clock offsets: printed always, asserted in their own subtest ---
      const inspect = await showInspect(nodeStore, run.callId);
      const clocks = (inspect.clocks as Record<string, unknown>[] | undefined) ?? [];
      for (const c of clocks) console.log(`  clock ${String(c.parser).replace(run.dir + '/', '')}: offset ${c.offset_s} s, ${c.method}, support ${c.support}, ${c.chunks} chunks`);

      await t.test('per-node order equals the ground truth order', { todo: todo('order') }, () => {
        const node = sipSequence(nodeMsgs);
        const unmerged = nodeMsgs.filter((m: ShownMessage) => m.kind !== 'sip').length;
        if (unmerged) console.log(`  ${unmerged} log transaction(s) matched no packet (annotations, not compared)`);
        const { expected, races } = allowRaces(node, truthMsgs.filter((m: ShownMessage) => m.kind === 'sip'));
        for (const r of races) console.log(`  race accepted: ${r}`);
        assert.deepEqual(node, expected);
      });

      await t.test('estimated clock offsets undo the faketime offset', { todo: todo('clocks') }, () => {
        const applied = Number(run.p1Offset);
        // The skew of each capture point's timeline (dialogue/merge.ts captureClock): a log
        // line's time is its host's rsyslogd clock, a HEP chunk's is its node's header time;
        // both are P1's faked clock for P1's capture points and the true clock for P2's.
        const skew = (parser: string): number => (parser.endsWith('p1.log') || parser.startsWith(`hep:${ADDR.p1}#`) ? applied : 0);
        const ref = clocks.find((c) => c.method === 'reference');
        assert.ok(ref, `no reference clock: ${JSON.stringify(clocks)}`);
        for (const node of ['p1', 'p2'] as const) {
          assert.ok(clockOf(clocks, (p) => p.startsWith(`hep:${ADDR[node]}#${CAPTURE_ID[node]}`)), `no clock for ${node}'s HEP: ${JSON.stringify(clocks)}`);
          assert.ok(clockOf(clocks, (p) => p.endsWith(`${node}.log`)), `no clock for ${node}.log: ${JSON.stringify(clocks)}`);
        }
        for (const c of clocks) {
          const expected = skew(String(ref.parser)) - skew(String(c.parser));
          const err = Number(c.offset_s) - expected;
          console.log(`  ${String(c.parser).replace(run.dir + '/', '')}: estimated ${Number(c.offset_s).toFixed(6)} s, expected ${expected} s, error ${(err * 1000).toFixed(3)} ms`);
          // 50 ms: syslog delivery and the collector's arrival stamps lag the packets by up to tens of ms.
          assert.ok(Math.abs(err) < 0.05, `${c.parser}: offset ${c.offset_s} s estimated, ${expected} s expected (P1 skewed by ${applied} s)`);
        }
      });

      await t.test('analyze: outcome, generating node, failed leg', { skip: hasAnalyze ? false : 'no analyze command yet', todo: todo('analyze') }, async () => {
        const a = await analyzeJson(nodeStore, run.callId);
        const o = a.outcome as Record<string, unknown>;
        console.log(`  analyze: ${JSON.stringify({ outcome: o.outcome, status: o.status, generated_by: o.generated_by, failed_leg: o.failed_leg, failed_hop: o.failed_hop })}`);
        assert.equal(o.status, exp.status);
        assert.equal(o.outcome, exp.outcome);
        assert.equal(o.generated_by, at[exp.generatedBy]);
        if (exp.failedLeg) assert.equal(o.failed_leg, exp.failedLeg);
        if (name === 'register') {
          // The challenge is part of the story: a 401 from P1 before the 200.
          const seq = sipSequence(nodeMsgs);
          const i401 = seq.findIndex((k) => key('401 REGISTER', at.p1, at.uac).test(k));
          const i200 = seq.findIndex((k) => key('200 REGISTER', at.p1, at.uac).test(k));
          assert.ok(i401 >= 0 && i200 > i401, `401 then 200 expected:\n${seq.join('\n')}`);
        }
      });
    });
  }
});
