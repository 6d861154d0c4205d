// Running the real CLI (bin/call-inspector.js) in a child process, as a user would.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from './corpus.js';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function tempDir(prefix = 'ci-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
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
