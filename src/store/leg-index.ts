// The related-legs index: correlation key → Call-IDs that carry it (dialogue/related.ts), so
// that `show --related` finds the other legs of a call without scanning the store. Append-only
// text under <store>/.index/legs/: 256 bucket files named by the first two hex characters of
// md5(key), one `key<TAB>call-id` line per pair. Lines are written whole with O_APPEND (safe with
// concurrent writers, e.g. `ingest` and `listen`); readers ignore repeats and a torn last line.
import { promises as fsp, constants as fsc } from 'node:fs';
import { join } from 'node:path';
import { md5hex, type Chunk } from '../model/chunk.js';
import { ownText } from '../model/text.js';
import { keyIsCallId, legKeys } from '../dialogue/related.js';
import { INDEX_DIR, NO_CALL_ID } from './layout.js';
import type { Batch, FlushListener } from './sink.js';
import type { Store } from './store.js';

export const LEGS_DIR = 'legs';
const RECENT_PAIRS = 50_000;

export interface LegPair {
  key: string;
  callId: string;
}

export class LegIndex {
  readonly dir: string;
  private dirMade = false;
  private recent = new Set<string>();
  private older = new Set<string>();

  constructor(root: string) {
    this.dir = join(root, INDEX_DIR, LEGS_DIR);
  }

  static bucketOf(key: string): string {
    return md5hex(Buffer.from(key, 'utf8')).slice(0, 2);
  }

  private async readBucket(bucket: string): Promise<Map<string, Set<string>>> {
    const out = new Map<string, Set<string>>();
    let text: string;
    try {
      text = await fsp.readFile(join(this.dir, bucket), 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return out;
      throw e;
    }
    const lines = text.split('\n');
    if (!text.endsWith('\n')) lines.pop(); // a torn last line from a killed writer
    for (const line of lines) {
      const tab = line.indexOf('\t');
      if (tab <= 0 || tab === line.length - 1) continue;
      const key = line.slice(0, tab), callId = line.slice(tab + 1);
      let s = out.get(key);
      if (!s) { s = new Set(); out.set(key, s); }
      s.add(callId);
    }
    return out;
  }

  /**
   * Add pairs not written lately. Returns how many lines were written. The bucket files are not
   * read back to find what is there (that made every flush cost as much as the index had grown);
   * a pair this writer wrote recently is skipped, and a repeat that does reach a file (another
   * writer, or one remembered too long ago) is ignored by readers.
   */
  async add(pairs: LegPair[]): Promise<number> {
    const byBucket = new Map<string, string[]>();
    const lines = new Set<string>();
    for (const p of pairs) {
      if (/[\t\r\n]/.test(p.key) || /[\t\r\n]/.test(p.callId) || p.key === '' || p.callId === '') continue;
      const line = `${p.key}\t${p.callId}`;
      if (lines.has(line) || this.recent.has(line) || this.older.has(line)) continue;
      lines.add(line);
      const b = LegIndex.bucketOf(p.key);
      let l = byBucket.get(b);
      if (!l) { l = []; byBucket.set(b, l); }
      l.push(line);
    }
    if (byBucket.size === 0) return 0;
    if (!this.dirMade) { await fsp.mkdir(this.dir, { recursive: true }); this.dirMade = true; }
    let written = 0;
    for (const [bucket, list] of [...byBucket.entries()].sort()) {
      const fh = await fsp.open(join(this.dir, bucket), fsc.O_WRONLY | fsc.O_APPEND | fsc.O_CREAT, 0o644);
      try { await fh.write(list.join('\n') + '\n'); } finally { await fh.close(); }
      // Remembered once written, so that a failed write never makes a later batch skip its pairs.
      for (const line of list) this.remember(line);
      written += list.length;
    }
    return written;
  }

  /**
   * Two generations of RECENT_PAIRS lines: bounded memory for a writer that runs for weeks. Each
   * is a copy: the key and Call-ID are cut from a SIP message, and a line made of those cuts kept
   * the whole message alive (~1 KB a line, 100 MB at the bound, found on a 7.6 GB ingest).
   */
  private remember(line: string): void {
    if (this.recent.size >= RECENT_PAIRS) { this.older = this.recent; this.recent = new Set(); }
    this.recent.add(ownText(line));
  }

  /** Call-IDs indexed under a key, sorted. */
  async lookup(key: string): Promise<string[]> {
    const m = await this.readBucket(LegIndex.bucketOf(key));
    return [...(m.get(key) ?? [])].sort();
  }
}

/** The pairs a batch of chunks contributes to the index. */
export function legPairs(byCall: Batch): LegPair[] {
  const out: LegPair[] = [];
  const seen = new Set<string>();
  for (const [callId, chunks] of byCall) {
    for (const c of chunks) {
      for (const key of c.legs) {
        const id = `${key}\t${callId}`;
        if (seen.has(id)) continue;
        seen.add(id);
        out.push({ key, callId });
      }
    }
  }
  return out;
}

/** A ChunkSink.onFlush listener that keeps the leg index of `store` up to date. */
export function legIndexListener(store: Store): FlushListener {
  const index = new LegIndex(store.root);
  return async (byCall) => {
    await index.add(legPairs(byCall));
  };
}

export interface RelatedLegs {
  /** Every leg found, the starting call first, then in discovery order. */
  callIds: string[];
  chunks: Chunk[];
  /** How each leg was reached: call-id → "via <key> from <call-id>". */
  reasons: Map<string, string>;
  /** True when the bound stopped the walk. */
  truncated: boolean;
}

/**
 * Follow correlation keys transitively from one call, breadth first, at most `limit` calls:
 * legs that name this call (its Call-ID is their key), legs sharing one of its keys, and calls
 * its keys name.
 */
export async function collectRelatedLegs(store: Store, callId: string, limit = 50): Promise<RelatedLegs> {
  const index = new LegIndex(store.root);
  const callIds: string[] = [];
  const chunks: Chunk[] = [];
  const reasons = new Map<string, string>();
  const queued = new Set<string>([callId]);
  const queue = [callId];
  let truncated = false;
  const enqueue = (id: string, why: string) => {
    if (queued.has(id) || id === NO_CALL_ID) return;
    if (queued.size >= limit) { truncated = true; return; }
    queued.add(id);
    reasons.set(id, why);
    queue.push(id);
  };
  while (queue.length) {
    const id = queue.shift()!;
    const r = await store.readCall(id);
    if (!r || r.chunks.length === 0) continue;
    callIds.push(id);
    for (const c of r.chunks) chunks.push(c); // not push(...): a leg can hold 10^5 chunks
    for (const other of await index.lookup(id)) enqueue(other, `carries ${id}`);
    const keys = new Map<string, string>();
    for (const c of r.chunks) for (const k of legKeys(c)) keys.set(k.key, k.via);
    for (const [k, via] of [...keys.entries()].sort()) {
      if (keyIsCallId(k)) enqueue(k, `named by ${id} (${via})`);
      for (const other of await index.lookup(k)) enqueue(other, `shares ${k} with ${id}`);
    }
  }
  return { callIds, chunks, reasons, truncated };
}
