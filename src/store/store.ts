// The store: plain-text files of JSON lines, one file per Call-ID. Writers append whole lines
// with a single O_APPEND write, so concurrent writers never interleave within a line; readers
// skip a half-written last line and any unreadable line (counted), so a killed writer never
// makes a call unreadable.
import { promises as fsp, constants as fsc, existsSync, readdirSync, statSync, mkdirSync, writeFileSync, readFileSync, openSync, writeSync, closeSync, fstatSync } from 'node:fs';
import { dirname, join, resolve, relative } from 'node:path';
import { homedir } from 'node:os';
import { chunkFromJson, chunkMembers, STORE_FORMAT_VERSION, type Chunk } from '../model/chunk.js';
import { enrichFromRaw } from '../sip/chunk-builder.js';
import { callPath, isCallRelPath, MARKER_FILE, NO_CALL_ID } from './layout.js';
import type { PreparedChunk } from './prepared-chunk.js';

export class StoreError extends Error {}

export function defaultStoreRoot(env = process.env): string {
  if (env.CALL_INSPECTOR_STORE) return resolve(env.CALL_INSPECTOR_STORE);
  const xdg = env.XDG_DATA_HOME && env.XDG_DATA_HOME.trim() !== '' ? env.XDG_DATA_HOME : join(homedir(), '.local', 'share');
  return resolve(xdg, 'call-inspector');
}

export interface ReadResult {
  chunks: Chunk[];
  /** Lines that could not be read (a half-written line from a killed writer, corruption). */
  badLines: number;
  /** Same observation stored more than once (concurrent writers), collapsed. */
  duplicates: number;
}

export interface AppendResult {
  written: number;
  duplicates: number;
  calls: number;
  /** The calls whose file got at least one new line (the others are unchanged). */
  changedCalls?: Set<string>;
}

export class Store {
  /**
   * The fan-out directories this process has made or found: bit i for <root>/<i as 4 hex digits,
   * split 2/2>. 8 KB for all 65,536, where a Set of their paths held ~10 MB of strings (each a
   * slice of a whole call path) by the end of a million-call ingest.
   */
  private readonly createdDirs = new Uint8Array(65536 / 8);

  private constructor(readonly root: string) {}

  /**
   * Open a store. With `create`, a missing or empty directory becomes a store (the marker file
   * is written); a non-empty directory without the marker is refused, so that `--store /` or
   * a typo never scatters files, let alone deletes any.
   */
  static open(root: string, opts: { create: boolean }): Store {
    const abs = resolve(root);
    const marker = join(abs, MARKER_FILE);
    if (existsSync(marker)) return new Store(abs);
    if (!opts.create) {
      throw new StoreError(existsSync(abs)
        ? `${abs} is not a call-inspector store (no ${MARKER_FILE} marker)`
        : `no store at ${abs} (nothing ingested yet?)`);
    }
    if (existsSync(abs)) {
      if (!statSync(abs).isDirectory()) throw new StoreError(`${abs} is not a directory`);
      const entries = readdirSync(abs);
      if (entries.length > 0) {
        throw new StoreError(`${abs} is not empty and is not a call-inspector store (no ${MARKER_FILE}); refusing to write there`);
      }
    }
    mkdirSync(abs, { recursive: true });
    writeFileSync(marker, JSON.stringify({ format: 'call-inspector-store', version: STORE_FORMAT_VERSION }) + '\n');
    return new Store(abs);
  }

  pathOf(callId: string): string {
    return callPath(this.root, callId);
  }

  /** Read one call's chunks, tolerating a partial last line and bad lines. */
  async readCall(callId: string): Promise<ReadResult | undefined> {
    let text: string;
    try {
      text = await fsp.readFile(this.pathOf(callId), 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
    return parseCallFile(text);
  }

  readCallSync(callId: string): ReadResult | undefined {
    let text: string;
    try {
      text = readFileSync(this.pathOf(callId), 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
    return parseCallFile(text);
  }

  /**
   * Append chunks, grouped by call, one write per call file. Chunks whose id is already in the
   * file are not written again (idempotent re-ingest).
   *
   * The per-call work is synchronous on purpose: a few small syscalls per call (open, read,
   * append, close) cost ~40 µs done directly, ~350 µs through libuv's thread pool (measured on
   * 5,000 calls). Callers that must keep receiving meanwhile (listen) write from a worker thread.
   */
  async append(byCall: Map<string, PreparedChunk[]>): Promise<AppendResult> {
    const result: AppendResult = { written: 0, duplicates: 0, calls: 0, changedCalls: new Set() };
    for (const [callId, chunks] of byCall) {
      const r = this.appendCall(callId, chunks);
      result.written += r.written;
      result.duplicates += r.duplicates;
      if (r.written > 0) { result.calls++; result.changedCalls!.add(callId); }
    }
    return result;
  }

  private appendCall(callId: string, chunks: PreparedChunk[]): { written: number; duplicates: number } {
    const path = this.pathOf(callId);
    const dir = dirname(path);
    const bit = fanoutBit(dir);
    if (bit < 0 || (this.createdDirs[bit >> 3]! & (1 << (bit & 7))) === 0) {
      mkdirSync(dir, { recursive: true });
      if (bit >= 0) this.createdDirs[bit >> 3]! |= 1 << (bit & 7);
    }
    // One open for reading the ids already stored and for appending: a new call costs an
    // open(O_CREAT) and a write, without a failed read (an exception per new call) first. The
    // file is created only when it did not exist, and then every chunk is new and written.
    const fd = openSync(path, fsc.O_RDWR | fsc.O_APPEND | fsc.O_CREAT, 0o644);
    try {
      const size = fstatSync(fd).size;
      const existing = size > 0 ? readFileSync(fd, 'utf8') : undefined;
      const known = existing ? idsInText(existing) : new Set<string>();
      let text = '';
      let written = 0, duplicates = 0;
      for (const c of chunks) {
        if (known.has(c.id)) { duplicates++; continue; }
        known.add(c.id);
        text += c.line + '\n';
        written++;
      }
      if (written === 0) return { written, duplicates };
      // A writer killed mid-line leaves no final newline: start on a fresh line so our first
      // line stays readable (the broken one is skipped by readers).
      if (existing !== undefined && existing.length > 0 && !existing.endsWith('\n')) text = '\n' + text;
      // One write(2) for the whole batch keeps concurrent appenders' lines apart; a short write
      // (disk full, signal) is finished in a second call rather than lost.
      const bytes = Buffer.from(text, 'utf8');
      for (let off = 0; off < bytes.length;) off += writeSync(fd, bytes, off, bytes.length - off);
      return { written, duplicates };
    } finally {
      closeSync(fd);
    }
  }

  /** Every call file of the layout under the root, as absolute paths. Dot-directories are not visited. */
  async *callFiles(): AsyncGenerator<string> {
    const level = async (dir: string): Promise<string[]> => {
      try {
        return (await fsp.readdir(dir)).filter((n) => /^[0-9a-f]+$/.test(n)).sort();
      } catch {
        return [];
      }
    };
    for (const a of await level(this.root)) {
      if (a.length !== 2) continue;
      for (const b of await level(join(this.root, a))) {
        if (b.length !== 2) continue;
        for (const f of await level(join(this.root, a, b))) {
          const p = join(this.root, a, b, f);
          if (isCallRelPath(relative(this.root, p))) yield p;
        }
      }
    }
  }

  /** Delete one call's file. Returns whether it existed. */
  async flushCall(callId: string): Promise<boolean> {
    const path = this.pathOf(callId);
    try {
      await fsp.unlink(path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw e;
    }
    await this.removeEmptyParents(path);
    return true;
  }

  /** Delete call files (all, or those last written before `olderThanMs`). Only layout files are touched. */
  async flushFiles(olderThanMs?: number): Promise<{ deleted: number; kept: number }> {
    let deleted = 0, kept = 0;
    for await (const p of this.callFiles()) {
      if (olderThanMs !== undefined) {
        let st;
        try { st = await fsp.stat(p); } catch { continue; }
        if (st.mtimeMs >= olderThanMs) { kept++; continue; }
      }
      try {
        await fsp.unlink(p);
        deleted++;
        await this.removeEmptyParents(p);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
    }
    return { deleted, kept };
  }

  private async removeEmptyParents(path: string): Promise<void> {
    for (let dir = dirname(path), i = 0; i < 2; dir = dirname(dir), i++) {
      try {
        await fsp.rmdir(dir);
        // <root>/ab/cd forgets its bit; <root>/ab is removed only once empty, so its other
        // subdirectories' bits went with them (or another process removed them: mkdir again).
        if (i === 0) {
          const bit = fanoutBit(dir);
          if (bit >= 0) this.createdDirs[bit >> 3]! &= ~(1 << (bit & 7));
        } else if (/^[0-9a-f]{2}$/.test(dir.slice(-2))) {
          const first = Number.parseInt(dir.slice(-2), 16) * 32; // 256 bits: ab00..abff
          this.createdDirs.fill(0, first, first + 32);
        }
      } catch {
        return; // not empty, or a concurrent writer created something: leave it
      }
    }
  }
}

export function storeLine(c: Chunk): string {
  return `{"v":${STORE_FORMAT_VERSION},${chunkMembers(c)}}`;
}

const ID_RE = /"id":"([0-9a-f]{16})"/g;

/** The bit of a fan-out directory <root>/ab/cd (its 4 hex digits), or -1 for any other path. */
function fanoutBit(dir: string): number {
  const hex = dir.slice(-5, -3) + dir.slice(-2);
  return /^[0-9a-f]{4}$/.test(hex) ? Number.parseInt(hex, 16) : -1;
}

function idsInText(text: string): Set<string> {
  const ids = new Set<string>();
  for (const m of text.matchAll(ID_RE)) ids.add(m[1]!);
  return ids;
}

export function parseCallFile(text: string): ReadResult {
  const chunks: Chunk[] = [];
  const seen = new Map<string, number>();
  let badLines = 0, duplicates = 0;
  const lines = text.split('\n');
  const complete = text.endsWith('\n') ? lines.length - 1 : lines.length - 1; // last piece is '' or a partial line
  for (let i = 0; i < complete; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    let o: Record<string, unknown>;
    try {
      o = JSON.parse(line);
    } catch {
      badLines++;
      continue;
    }
    if (o.type !== undefined && o.type !== 'chunk') continue; // analyses and future record types
    const c = chunkFromJson(o);
    if (!c) { badLines++; continue; }
    const prev = seen.get(c.id);
    if (prev !== undefined) { duplicates++; continue; }
    seen.set(c.id, chunks.length);
    chunks.push(enrichFromRaw(c));
  }
  if (!text.endsWith('\n') && lines[lines.length - 1]!.trim() !== '') badLines++;
  return { chunks: dropSupersededTruncations(chunks), badLines, duplicates };
}

/**
 * A log block cut at the end of a file is stored flagged "truncated"; when a later ingest reads
 * the complete block (same capture point, same source offset), the complete one wins.
 */
function dropSupersededTruncations(chunks: Chunk[]): Chunk[] {
  const complete = new Set<string>();
  for (const c of chunks) {
    if (c.source?.offset !== undefined && !c.flags?.includes('truncated')) complete.add(`${c.parser}\u0000${c.source.offset}`);
  }
  return chunks.filter((c) => !(c.flags?.includes('truncated') && c.source?.offset !== undefined
    && complete.has(`${c.parser}\u0000${c.source.offset}`)));
}

export function callIdOf(c: Chunk): string {
  return c['call-id'] ?? NO_CALL_ID;
}
