// The write-ahead list of calls whose index row may be missing or stale. A writer appends the
// layout hashes of a batch here BEFORE appending the batch to the call files, and the index
// thread deletes a segment once every call in it has its row. Rows are computed behind the
// writes (index-thread.ts), so without this a writer killed mid-way (SIGKILL, OOM, power) would
// leave new calls that `list` never shows; with it, `list` finds the segments of dead writers and
// computes those rows first (query.ts).
//
// Layout: <store>/.index/pending/<writer>.<segment>, one 32-hex hash per line, where <writer> is
// "<pid>-<thread>-<start ms>". Segments roll every few seconds so that a writer that is never
// idle (a collector under constant load) still lets its old segments be deleted.
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { INDEX_DIR } from '../layout.js';

export const PENDING_DIR = 'pending';

export function pendingDir(storeRoot: string): string {
  return join(storeRoot, INDEX_DIR, PENDING_DIR);
}

export class PendingJournal {
  readonly writer = `${process.pid}-${threadId}-${Date.now()}`;
  private segment = 0;
  private segmentStarted = Date.now();
  private fd: number | undefined;

  constructor(private readonly storeRoot: string, private readonly rollMs = 5000) {}

  get currentSegment(): number {
    return this.segment;
  }

  /** Record calls about to be written; returns the segment they went to. */
  record(hashes: Iterable<string>): number {
    if (this.fd !== undefined && Date.now() - this.segmentStarted >= this.rollMs) {
      closeSync(this.fd);
      this.fd = undefined;
      this.segment++;
      this.segmentStarted = Date.now();
    }
    if (this.fd === undefined) {
      const dir = pendingDir(this.storeRoot);
      mkdirSync(dir, { recursive: true });
      this.fd = openSync(join(dir, `${this.writer}.${this.segment}`), 'a', 0o644);
    }
    let text = '';
    for (const h of hashes) text += h + '\n';
    const bytes = Buffer.from(text, 'latin1');
    for (let off = 0; off < bytes.length;) off += writeSync(this.fd, bytes, off, bytes.length - off);
    return this.segment;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/** Delete a writer's segments up to and including `through` (all of them when undefined). */
export function deleteSegments(storeRoot: string, writer: string, through?: number): void {
  for (const s of listSegments(storeRoot)) {
    if (s.writer !== writer) continue;
    if (through === undefined || s.segment <= through) rmSync(s.path, { force: true });
  }
}

export interface PendingSegment {
  path: string;
  writer: string;
  pid: number;
  segment: number;
}

export function listSegments(storeRoot: string): PendingSegment[] {
  let names: string[];
  try {
    names = readdirSync(pendingDir(storeRoot));
  } catch {
    return [];
  }
  const out: PendingSegment[] = [];
  for (const name of names) {
    const m = /^((\d+)-\d+-\d+)\.(\d+)$/.exec(name);
    if (m) out.push({ path: join(pendingDir(storeRoot), name), writer: m[1]!, pid: Number(m[2]), segment: Number(m[3]) });
  }
  return out;
}

/** The call hashes of a segment (a torn last line from a killed writer is ignored). */
export function readSegment(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'latin1');
  } catch {
    return [];
  }
  return text.split('\n').filter((l) => /^[0-9a-f]{32}$/.test(l));
}

/** Whether the process that wrote a segment still runs (EPERM: it runs, as another user). */
export function writerAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
