// The start-up fast path (src/cli/entry.cts): for --help, --version, show and list it must behave
// exactly as the yargs path (CALL_INSPECTOR_NO_FAST_PATH=1), and decline what it does not know.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, tempDir, tempStore } from './helpers/cli.js';
import { parseListArgs, parseShowArgs } from '../src/cli/entry.cjs';

const SLOW = { CALL_INSPECTOR_NO_FAST_PATH: '1' };

async function same(args: string[]): Promise<void> {
  const fast = await runCli(args);
  const slow = await runCli(args, { env: SLOW });
  assert.equal(fast.code, slow.code, `exit of ${args.join(' ')}: ${fast.stderr} / ${slow.stderr}`);
  assert.equal(fast.stdout, slow.stdout, `stdout of ${args.join(' ')}`);
  assert.equal(fast.stderr, slow.stderr, `stderr of ${args.join(' ')}`);
}

test('--help (cached rendering) and --version print what yargs prints', async () => {
  await same(['--help']);
  await same(['--help']); // the second one is served from the cache
  await same(['-h']);
  await same(['--version']);
});

test('show through the fast path equals show through yargs', async () => {
  const dir = tempDir();
  const store = tempStore();
  const callId = 'fast-1@10.0.0.1';
  const raw = (label: string, cseq: string) => [label, 'Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKf1', 'From: <sip:a@x>;tag=1', 'To: <sip:b@x>', `Call-ID: ${callId}`, `CSeq: ${cseq}`, 'Content-Length: 0', ''];
  const chunks = [
    { 'call-id': callId, timestamp: 63900000000, ref_timestamp: '63900000000.0', label: 'INVITE sip:b@x SIP/2.0', raw: raw('INVITE sip:b@x SIP/2.0', '1 INVITE'), src: '10.0.0.1:5060', dst: '10.0.0.2:5060', parser: 'p1', c_seq: '1 INVITE' },
    { 'call-id': callId, timestamp: 63900000001, ref_timestamp: '63900000001.0', label: 'SIP/2.0 486 Busy Here', raw: raw('SIP/2.0 486 Busy Here', '1 INVITE'), src: '10.0.0.2:5060', dst: '10.0.0.1:5060', parser: 'p1', c_seq: '1 INVITE' },
  ];
  const input = join(dir, 'c.json');
  writeFileSync(input, JSON.stringify(chunks));
  assert.equal((await runCli(['--store', store, 'ingest', '-q', input])).code, 0);
  for (const args of [
    ['show', callId, '--store', store],
    ['--store', store, 'show', callId, '-f', 'json'],
    [`--store=${store}`, 'show', callId, '--format=ndjson'],
    ['show', callId, '--store', store, '-f', 'table'],
    ['show', callId, '--store', store, '--ascii', '--width', '70', '--alias', '10.0.0.1:5060=alice'],
    ['show', callId, '--store', store, '--kazoo', '-f', 'json'],
    ['show', callId, '--store', store, '--inspect'],
    ['show', 'no-such-call', '--store', store],
    ['show', callId, '--store', join(dir, 'nowhere')],
    ['show', callId, '--store', store, '-f', 'nonsense'],
    ['show', callId, '--store', store, '--no-such-flag'],
    ['show', '--store', store],
  ]) await same(args);
});

test('list through the fast path equals list through yargs', async () => {
  const dir = tempDir();
  const store = tempStore();
  const chunk = (i: number, label: string, cseq: string, t: number) => ({
    'call-id': `fastlist-${i}@10.0.0.1`, timestamp: 63900000000 + t, ref_timestamp: `${63900000000 + t}.0`, label, src: '10.0.0.1:5060', dst: '10.0.0.2:5060', parser: 'p1', c_seq: cseq,
    raw: [label, `Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKl${i}`, `From: <sip:a${i}@x>;tag=${i}`, `To: <sip:b@x>${label.startsWith('SIP/') ? ';tag=t' : ''}`, `Call-ID: fastlist-${i}@10.0.0.1`, `CSeq: ${cseq}`, 'Content-Length: 0', ''],
  });
  const chunks = [0, 1, 2, 3].flatMap((i) => [chunk(i, 'INVITE sip:b@x SIP/2.0', '1 INVITE', i * 100), chunk(i, i % 2 ? 'SIP/2.0 486 Busy Here' : 'SIP/2.0 200 OK', '1 INVITE', i * 100 + 2)]);
  const input = join(dir, 'c.json');
  writeFileSync(input, JSON.stringify(chunks));
  assert.equal((await runCli(['--store', store, 'ingest', '-q', input])).code, 0);
  for (const args of [
    ['list', '--store', store],
    ['--store', store, 'list', '-f', 'json'],
    [`--store=${store}`, 'list', '--format=ndjson', '--failed'],
    ['list', '--store', store, '--status', '4xx', '--status', '200', '--limit', '3'],
    ['list', '--store', store, '--outcome', 'busy', '--grep', 'a1@'],
    ['list', '--store', store, '--since', '2025-01-01', '--until', '2030-01-01', '--slow-setup', '1s'],
    ['list', '--store', store, '--since', 'yesterday-ish'],
    ['list', '--store', store, '--status', '999'],
    ['list', '--store', join(dir, 'nowhere')],
    ['list', '--store', store, '-f', 'nonsense'],
    ['list', '--store', store, '--status', '486', '5xx'],
    ['list', '--store', store, 'extra'],
  ]) await same(args);
});

test('the fast path declines what it does not know exactly, and keeps the defaults of main.ts', async () => {
  assert.equal(parseListArgs(['list', '--status', '486', '5xx']), undefined, 'a greedy array: yargs decides');
  assert.equal(parseListArgs(['list', '--limit', '1e3']), undefined);
  assert.equal(parseListArgs(['list', '--since', '1d', '--since', '2d']), undefined);
  assert.equal(parseListArgs(['list', '--failed=false']), undefined);
  assert.equal(parseListArgs(['list', 'x']), undefined);
  assert.equal(parseListArgs(['list', '--store', 'b'], 'a'), undefined, '--store before and after the command');
  assert.deepEqual(parseListArgs(['list', '--grep', 'bob', '--status', '486', '--status=5xx', '--limit', '7', '-f', 'json']),
    { format: 'json', filter: 'bob', status: ['486', '5xx'], limit: 7 });
  assert.equal(parseShowArgs(['show', 'x', '--unknown']), undefined);
  assert.equal(parseShowArgs(['show', 'x', 'y']), undefined);
  assert.equal(parseShowArgs(['show', 'x', '--width', 'wide']), undefined);
  assert.equal(parseShowArgs(['show', 'x', '-f', 'svg']), undefined);
  assert.equal(parseShowArgs(['show', 'x', '--', '-y']), undefined);
  assert.equal(parseShowArgs(['show', 'x', '--no-raw']), undefined);
  assert.deepEqual(parseShowArgs(['show', 'x', '--alias', 'a=b', '--alias', 'c=d'])?.alias, ['a=b', 'c=d']);
  // Every default that yargs documents for show and list must be the fast path's default too.
  for (const [command, argv, least] of [['show', parseShowArgs(['show', 'x'])!, 5], ['list', parseListArgs(['list'])!, 1]] as const) {
    const help = await runCli([command, '--help'], { env: SLOW });
    let checked = 0;
    // yargs wraps an option's description onto following lines: read option blocks, not lines.
    const blocks = help.stdout.split(/\n(?=\s+(?:-\w, )?--[a-z])/);
    for (const b of blocks) {
      const name = /^\s+(?:-\w, )?--([a-z][a-z-]*)/.exec(b)?.[1];
      const def = /\[default: ([^\]]+)\]/.exec(b)?.[1];
      if (!name || def === undefined) continue;
      assert.equal(String(argv[name]), def.replace(/^"|"$/g, ''), `default of ${command} --${name}`);
      checked++;
    }
    assert.ok(checked >= least, `defaults found in ${command} --help: ${checked}`);
  }
});

test('bin/call-inspector.js runs as an executable: its #! line (env -S with MALLOC_ARENA_MAX) works', async () => {
  const { spawnSync } = await import('node:child_process');
  const { projectRoot } = await import('./helpers/corpus.js');
  const bin = join(projectRoot(), 'bin', 'call-inspector.js');
  const store = tempStore();
  const env = { ...process.env, NO_COLOR: '1' };
  const version = spawnSync(bin, ['--version'], { encoding: 'utf8', env });
  assert.equal(version.status, 0, version.stderr);
  assert.match(version.stdout, /^\d+\.\d+\.\d+\n$/);
  const ingest = spawnSync(bin, ['--store', store, 'ingest', '-q', join(projectRoot(), 'fixtures', 'demo')], { encoding: 'utf8', env });
  assert.equal(ingest.status, 0, ingest.stderr);
  const show = spawnSync(bin, ['--store', store, 'show', '1-27509@127.0.0.1', '-f', 'json'], { encoding: 'utf8', env });
  assert.equal(show.status, 0, show.stderr);
  const messages = JSON.parse(show.stdout) as { label: string }[];
  assert.match(messages[0]!.label, /^INVITE /);
});

test('ingest runs in a child with its young-generation flag; the child goes when the parent is killed or signalled', async () => {
  const { spawn } = await import('node:child_process');
  const { readdirSync, readFileSync } = await import('node:fs');
  const { projectRoot } = await import('./helpers/corpus.js');
  const { isAlive } = await import('../src/store/runtime.js');
  const { waitFor } = await import('./helpers/listen-child.js');
  const bin = join(projectRoot(), 'bin', 'call-inspector.js');
  for (const signal of ['SIGKILL', 'SIGTERM'] as const) {
    const store = tempStore();
    // Reading stdin that never ends: an ingest that runs until it is stopped.
    const parent = spawn(process.execPath, [bin, '--store', store, 'ingest', '-q', '-'], { stdio: ['pipe', 'ignore', 'ignore'] });
    const closed = new Promise<NodeJS.Signals | null>((r) => parent.on('close', (_code, sig) => r(sig)));
    const runDir = join(store, '.run');
    const entry = () => { try { return readdirSync(runDir).filter((n) => n.endsWith('.json')); } catch { return []; } };
    assert.ok(await waitFor(() => entry().length === 1, 10_000), 'the ingest registered itself');
    const child = (JSON.parse(readFileSync(join(runDir, entry()[0]!), 'utf8')) as { pid: number }).pid;
    assert.notEqual(child, parent.pid, 'the ingest is the child');
    assert.match(readFileSync(`/proc/${child}/cmdline`, 'utf8'), /--max-semi-space-size=4/);
    assert.doesNotMatch(readFileSync(`/proc/${parent.pid}/cmdline`, 'utf8'), /--max-semi-space-size/);
    parent.kill(signal);
    assert.equal(await closed, signal, 'the parent reports how it ended');
    assert.ok(await waitFor(() => !isAlive(child), 5_000), `the child is gone after the parent's ${signal}`);
    parent.stdin!.destroy();
  }
});
