// The original's layout (KAZOO.md §3): <root>/<h[0..2)>/<h[2..4)>/<h[4..32)>, h = lowercase hex
// md5 of the Call-ID bytes exactly as given. Everything else the store keeps lives in
// dot-directories so that the logrotate glob <root>/*/*/* only ever matches call files.
import { join } from 'node:path';
import { md5HexOf } from '../model/md5.js';

/** Chunks without a Call-ID are filed under the Call-ID "undefined", as the original did. */
export const NO_CALL_ID = 'undefined';

export const MARKER_FILE = '.call-inspector-store';
export const STATE_DIR = '.state';
export const INDEX_DIR = '.index';
export const RUN_DIR = '.run';

export function callHash(callId: string): string {
  return md5HexOf(Buffer.from(callId, 'utf8'));
}

export function callRelPath(callId: string): string {
  return hashRelPath(callHash(callId));
}

/** The layout path of the call whose md5 hex is `hash` (what the indexes key calls by). */
export function hashRelPath(hash: string): string {
  return join(hash.slice(0, 2), hash.slice(2, 4), hash.slice(4));
}

export function callPath(root: string, callId: string): string {
  return join(root, callRelPath(callId));
}

/** Whether a path relative to the root is a call file of the layout (aa/bb/28 hex chars). */
export function isCallRelPath(rel: string): boolean {
  return /^[0-9a-f]{2}[\\/][0-9a-f]{2}[\\/][0-9a-f]{28}$/.test(rel);
}

/** The layout key (md5 hex) of a call file path: its last three components. */
export function hashOfPath(path: string): string {
  const parts = path.split(/[\\/]/);
  return parts.slice(-3).join('');
}
