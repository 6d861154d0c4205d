// Which parsers (listeners, ingests) are running against a store: one JSON file per process in
// <store>/.run/, written at start and removed at exit. The original kept this in its supervisor
// (KAZOO.md §4.1): a parser's name is its id, and one stream is never parsed twice at once.
// A process that died without cleaning up leaves a stale entry: entries whose pid is not alive
// are ignored and removed by whoever lists them.
import { mkdirSync, readdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RUN_DIR } from './layout.js';

export type RunKind = 'listen' | 'ingest';

export interface RunEntry {
  name: string;
  pid: number;
  kind: RunKind;
  /** Listeners: the addresses served, as `udp:IP:PORT` / `tcp:IP:PORT`. */
  addresses?: string[];
  /** Ingests: the inputs being read. */
  inputs?: string[];
  /** ISO 8601 start time. */
  started: string;
}

export function runDir(storeRoot: string): string {
  return join(storeRoot, RUN_DIR);
}

/** File name of an entry: the name made safe for a path, so that any name (paths, IPv6) works. */
function entryFile(storeRoot: string, name: string): string {
  return join(runDir(storeRoot), encodeURIComponent(name) + '.json');
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Live entries; stale ones (dead pid, unreadable) are removed on the way. */
export function listRuns(storeRoot: string): RunEntry[] {
  let files: string[];
  try { files = readdirSync(runDir(storeRoot)); } catch { return []; }
  const out: RunEntry[] = [];
  for (const f of files) {
    if (!f.endsWith('.json')) continue;
    const path = join(runDir(storeRoot), f);
    let e: RunEntry | undefined;
    try { e = JSON.parse(readFileSync(path, 'utf8')) as RunEntry; } catch { e = undefined; }
    if (!e || typeof e.pid !== 'number' || typeof e.name !== 'string' || !isAlive(e.pid)) {
      try { unlinkSync(path); } catch { /* raced with its owner or another lister */ }
      continue;
    }
    out.push(e);
  }
  return out.sort((a, b) => a.started.localeCompare(b.started) || a.name.localeCompare(b.name));
}

export function findRun(storeRoot: string, name: string): RunEntry | undefined {
  return listRuns(storeRoot).find((e) => e.name === name);
}

/** The live listener of this store that serves one of these addresses, if any. */
export function findListenerServing(storeRoot: string, addresses: string[]): RunEntry | undefined {
  const want = new Set(addresses);
  return listRuns(storeRoot).find((e) => e.kind === 'listen' && (e.addresses ?? []).some((a) => want.has(a)));
}

export interface Registration {
  readonly entry: RunEntry;
  release(): void;
}

/**
 * Register this process. A live entry of the same name belonging to another process makes the
 * name unavailable: the caller gets undefined. Written via rename so that a lister never reads
 * half a file.
 */
export function registerRun(storeRoot: string, entry: Omit<RunEntry, 'pid' | 'started'> & { pid?: number }): Registration | undefined {
  const full: RunEntry = { ...entry, pid: entry.pid ?? process.pid, started: new Date().toISOString() };
  const existing = findRun(storeRoot, full.name);
  if (existing && existing.pid !== full.pid) return undefined;
  mkdirSync(runDir(storeRoot), { recursive: true });
  const path = entryFile(storeRoot, full.name);
  const tmp = `${path}.${full.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(full) + '\n');
  renameSync(tmp, path);
  let released = false;
  return {
    entry: full,
    release() {
      if (released) return;
      released = true;
      try {
        const cur = JSON.parse(readFileSync(path, 'utf8')) as RunEntry;
        if (cur.pid === full.pid) unlinkSync(path);
      } catch { /* already gone */ }
    },
  };
}

/** A name not taken by another live process: `base`, else `base#pid`. */
export function uniqueRunName(storeRoot: string, base: string): string {
  const e = findRun(storeRoot, base);
  return e && e.pid !== process.pid ? `${base}#${process.pid}` : base;
}
