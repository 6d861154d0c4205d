// Small pieces shared by the commands: the store location, reading a call, aliases.
import { readFileSync, existsSync } from 'node:fs';
import { defaultStoreRoot, Store } from '../../store/store.js';
import { UsageError } from '../output.js';

/** yargs drops a lone '-' (stdin); main.ts carries it through as a token no file name can have. */
export const STDIN_TOKEN = '\u0000-';

export function storeRoot(argv: Record<string, unknown>): string {
  return typeof argv.store === 'string' && argv.store !== '' ? argv.store : defaultStoreRoot();
}

export function openStore(argv: Record<string, unknown>, create: boolean): Store {
  return Store.open(storeRoot(argv), { create });
}

/** --alias IP:PORT=NAME (repeatable), or a file holding such lines (# comments allowed). */
export function parseAliases(values: unknown): Map<string, string> {
  const out = new Map<string, string>();
  const list = Array.isArray(values) ? values.map(String) : values === undefined ? [] : [String(values)];
  for (const v of list) {
    if (!v.includes('=') && existsSync(v)) {
      for (const line of readFileSync(v, 'utf8').split(/\r?\n/)) {
        const t = line.replace(/#.*/, '').trim();
        if (t) addAlias(out, t);
      }
      continue;
    }
    addAlias(out, v);
  }
  return out;
}

function addAlias(out: Map<string, string>, text: string): void {
  const eq = text.lastIndexOf('=');
  if (eq <= 0 || eq === text.length - 1) throw new UsageError(`--alias wants IP:PORT=NAME, not '${text}'`);
  out.set(text.slice(0, eq).trim(), text.slice(eq + 1).trim());
}
