// Running the real CLI (bin/call-inspector.js) in a child process, as a user would.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from './corpus.js';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Temporary directories made by this test process, removed when it exits. */
const madeDirs: string[] = [];
let removeAtExit = false;

/**
 * A fresh directory under the system's temporary directory, removed with its contents when the
 * process exits (stores of listen and ingest tests hold up to ~10^5 files: left behind, a few
 * hundred test runs filled tens of GB). CALL_INSPECTOR_KEEP_TMP=1 keeps them for a post-mortem.
 */
export function tempDir(prefix = 'ci-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  madeDirs.push(dir);
  if (!removeAtExit && !process.env.CALL_INSPECTOR_KEEP_TMP) {
    removeAtExit = true;
    process.on('exit', () => {
      for (const d of madeDirs) rmSync(d, { recursive: true, force: true, maxRetries: 2 });
    });
  }
  return dir;
}

/** A fresh, not yet created store path inside a temporary directory. */
export function tempStore(): string {
  return join(tempDir('ci-store-'), 'store');
}

export function runCli(args: string[], opts: { env?: Record<string, string | undefined>; input?: string | Buffer; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [join(projectRoot(), 'bin', 'call-inspector.js'), ...args], {
      env: { ...process.env, NO_COLOR: '1', ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '', stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60000);
    child.on('error', reject);
    child.on('close', (code) => { clearTimeout(timer); resolvePromise({ code, stdout, stderr }); });
    if (opts.input !== undefined) child.stdin.end(opts.input); else child.stdin.end();
  });
}
