import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, tempStore } from './helpers/cli.js';
import { startListen, waitFor } from './helpers/listen-child.js';
import { projectRoot } from './helpers/corpus.js';
import { findListenerServing, isAlive, listRuns, registerRun, uniqueRunName } from '../src/store/runtime.js';

function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', '0']);
  return r.pid!;
}

test('runtime: register, list, release; stale entries are ignored and removed', () => {
  const root = tempStore();
  mkdirSync(root, { recursive: true });
  const reg = registerRun(root, { name: '10.0.0.1:9060', kind: 'listen', addresses: ['udp:10.0.0.1:9060'] })!;
  assert.ok(reg);
  assert.deepEqual(listRuns(root).map((e) => e.name), ['10.0.0.1:9060']);
  assert.equal(findListenerServing(root, ['udp:10.0.0.1:9060'])?.name, '10.0.0.1:9060');
  assert.equal(findListenerServing(root, ['tcp:10.0.0.1:9060']), undefined);
  // Another live process holding the name: taken.
  assert.equal(registerRun(root, { name: '10.0.0.1:9060', kind: 'listen', pid: process.ppid }), undefined);
  assert.equal(uniqueRunName(root, '10.0.0.1:9060'), '10.0.0.1:9060'); // ours
  const ghost = deadPid();
  assert.equal(isAlive(ghost), false);
  writeFileSync(join(root, '.run', 'ghost.json'), JSON.stringify({ name: 'ghost', pid: ghost, kind: 'listen', addresses: ['udp:127.0.0.1:1'], started: '2020-01-01T00:00:00Z' }));
  writeFileSync(join(root, '.run', 'broken.json'), '{"name":');
  assert.deepEqual(listRuns(root).map((e) => e.name), ['10.0.0.1:9060']);
  assert.deepEqual(readdirSync(join(root, '.run')).sort(), [encodeURIComponent('10.0.0.1:9060') + '.json']);
  reg.release();
  assert.deepEqual(listRuns(root), []);
});

test('parsers: lists a listener; "already running" for its address; stop NAME; unknown name changes nothing', async () => {
  const store = tempStore();
  const l = await startListen(store, ['--udp', '127.0.0.1:0', '--name', 'alpha']);
  const port = l.udpPorts[0]!;
  const list = await runCli(['--store', store, 'parsers']);
  assert.equal(list.code, 0);
  assert.match(list.stdout, new RegExp(`^alpha\\tlisten\\tpid ${l.child.pid}\\tsince \\S+\\tudp:127\\.0\\.0\\.1:${port}\\n$`));
  const json = JSON.parse((await runCli(['--store', store, 'parsers', '--json'])).stdout);
  assert.equal(json[0].name, 'alpha');

  // The original's rule: starting a parser that already runs prints its name and exits 0.
  const again = await runCli(['--store', store, 'listen', '--udp', `127.0.0.1:${port}`], { timeoutMs: 10000 });
  assert.equal(again.code, 0, again.stderr);
  assert.equal(again.stdout, 'already running: alpha\n');
  const byName = await runCli(['--store', store, 'listen', '--udp', '127.0.0.1:0', '--name', 'alpha'], { timeoutMs: 10000 });
  assert.equal(byName.stdout, 'already running: alpha\n');

  const unknown = await runCli(['--store', store, 'parsers', 'stop', 'nosuch']);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /no such parser: nosuch/);
  assert.ok(isAlive(l.child.pid!));
  assert.equal(listRuns(join(store)).length, 1);

  const stop = await runCli(['--store', store, 'parsers', 'stop', 'alpha', '--wait']);
  assert.equal(stop.code, 0, stop.stderr);
  const r = await l.stop();
  assert.equal(r.code, 0);
  assert.match(r.stderr, /SIGTERM: stopping/);
  assert.equal((await runCli(['--store', store, 'parsers'])).stdout, '');
});

test('parsers: a running ingest is listed under its input, and gone when it ends', async () => {
  const store = tempStore();
  // An ingest from stdin stays running while its stdin is open.
  const child = spawn(process.execPath, [join(projectRoot(), 'bin', 'call-inspector.js'), '--store', store, 'ingest', '--format', 'chunks', '-'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let seen = '';
  const listed = await waitFor(() => {
    if (!existsSync(join(store, '.run'))) return false;
    seen = listRuns(store).map((e) => `${e.name} ${e.kind} ${e.pid}`).join('\n');
    return seen !== '';
  }, 10000);
  if (!listed) child.kill('SIGKILL');
  assert.ok(listed, 'ingest never registered');
  // The pid of the process doing the ingest: bin/ runs it as its child (entry.cts).
  const [name, kind, pid] = seen.split(' ');
  assert.deepEqual([name, kind], ['-', 'ingest']);
  const ppid = Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);
  if (ppid !== child.pid) child.kill('SIGKILL');
  assert.equal(ppid, child.pid);
  const shown = await runCli(['--store', store, 'parsers']);
  assert.match(shown.stdout, /^-\tingest\tpid \d+\t/);
  child.stdin.end('[]');
  await new Promise((r) => child.on('close', r));
  assert.deepEqual(listRuns(store), []);
  assert.deepEqual(readdirSync(join(store, '.run')), []);
});

test('parsers stop without a name is a usage error', async () => {
  const r = await runCli(['--store', tempStore(), 'parsers', 'stop']);
  assert.equal(r.code, 2);
});
