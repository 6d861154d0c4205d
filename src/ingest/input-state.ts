// Per-input resume state for incremental ingest (cron): where the last run stopped, and enough
// about the file (device, inode, size, first bytes) to tell growth from rotation or truncation.
// One small JSON file per input under <root>/.state/inputs, replaced atomically by rename.
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { md5hex } from '../model/chunk.js';
import { STATE_DIR } from '../store/layout.js';

export interface InputState {
  path: string;
  dev: number;
  ino: number;
  size: number;
  /** md5 of the first headBytes bytes when last read. */
  head: string;
  headBytes: number;
  /** Resume here: everything before it became chunks. */
  offset: number;
  /** Reader-specific context needed to resume (e.g. the last date seen). */
  context?: unknown;
  format: string;
  updated: string;
}

export const HEAD_BYTES = 1024;

export function statePath(root: string, inputPath: string): string {
  return join(root, STATE_DIR, 'inputs', md5hex(inputPath) + '.json');
}

export async function loadInputState(root: string, inputPath: string): Promise<InputState | undefined> {
  try {
    return JSON.parse(await fsp.readFile(statePath(root, inputPath), 'utf8')) as InputState;
  } catch {
    return undefined;
  }
}

export async function saveInputState(root: string, state: InputState): Promise<void> {
  const path = statePath(root, state.path);
  await fsp.mkdir(join(root, STATE_DIR, 'inputs'), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  await fsp.writeFile(tmp, JSON.stringify(state) + '\n');
  await fsp.rename(tmp, path);
}

export function headHash(head: Buffer): string {
  return md5hex(head);
}

export type ResumeDecision =
  | { kind: 'fresh' }
  | { kind: 'unchanged'; state: InputState }
  | { kind: 'grown'; state: InputState }
  | { kind: 'rotated'; reason: string };

/** Decide where to start reading, given the saved state and what the file is now. */
export function decideResume(state: InputState | undefined, now: { dev: number; ino: number; size: number }, headNow: Buffer): ResumeDecision {
  if (!state) return { kind: 'fresh' };
  if (state.dev !== now.dev || state.ino !== now.ino) return { kind: 'rotated', reason: 'a different file now has this name (rotated)' };
  if (now.size < state.size) return { kind: 'rotated', reason: `the file shrank from ${state.size} to ${now.size} bytes (truncated)` };
  if (headHash(headNow.subarray(0, state.headBytes)) !== state.head) return { kind: 'rotated', reason: 'the first bytes changed (rewritten)' };
  if (now.size === state.size && state.offset >= state.size) return { kind: 'unchanged', state };
  return { kind: 'grown', state };
}
