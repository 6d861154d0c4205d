// Errors of a command run by the fast path (entry.cts), reported exactly as main() does.
import { CommandError, diag, UsageError } from './output.js';
import { StoreError } from '../store/store.js';

export function reportCliError(e: unknown): number {
  if (e instanceof UsageError) {
    diag(`call-inspector: ${e.message}\nTry 'call-inspector --help'.`);
    return 2;
  }
  if (e instanceof CommandError) {
    diag(`call-inspector: ${e.message}`);
    return e.exitCode;
  }
  if (e instanceof StoreError) {
    diag(`call-inspector: ${e.message}`);
    return 1;
  }
  diag(`call-inspector: ${(e as Error).stack ?? String(e)}`);
  return 1;
}
