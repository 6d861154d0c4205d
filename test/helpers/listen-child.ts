// Running `listen` as a child process on port 0 (the kernel picks free ports), reading back the
// bound addresses from its start-up line, and stopping it with a signal.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createSocket } from 'node:dgram';
import { projectRoot } from './corpus.js';

export interface ListenChild {
  child: ChildProcess;
  name: string;
  udpPorts: number[];
  tcpPorts: number[];
  stderr(): string;
  /** SIGTERM (or another signal), then wait for the exit; the --json counters are parsed. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; stdout: string; stderr: string; counters?: Record<string, any> }>;
}

/** `asExecutable`: run bin/ itself, as a user does (its #! line's node flags apply), not `node bin/…`. */
export function startListen(store: string, args: string[], timeoutMs = 15000, asExecutable = false, killAfterMs = 120_000): Promise<ListenChild> {
  const bin = join(projectRoot(), 'bin', 'call-inspector.js');
  const argv = ['--store', store, 'listen', '--json', ...args];
  const child = spawn(asExecutable ? bin : process.execPath, asExecutable ? argv : [bin, ...argv], {
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '', stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d) => { stdout += d; });
  child.stderr!.setEncoding('utf8').on('data', (d) => { stderr += d; });
  const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  const killer = setTimeout(() => child.kill('SIGKILL'), killAfterMs); // a test that forgets to stop it
  killer.unref();
  return new Promise((resolve, reject) => {
    const deadline = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`listen did not start: ${stderr}${stdout}`)); }, timeoutMs);
    const check = () => {
      const m = /listen: (.+?): listening on (.+?)(?:, UDP receive buffer|; store)/.exec(stderr);
      if (!m) return;
      clearTimeout(deadline);
      child.stderr!.off('data', check);
      const addrs = m[2]!.split(', ');
      const port = (a: string) => Number(/:(\d+)$/.exec(a)![1]);
      resolve({
        child,
        name: m[1]!,
        udpPorts: addrs.filter((a) => a.startsWith('udp:')).map(port),
        tcpPorts: addrs.filter((a) => a.startsWith('tcp:')).map(port),
        stderr: () => stderr,
        stop: async (signal = 'SIGTERM') => {
          child.kill(signal);
          const code = await exited;
          clearTimeout(killer);
          let counters: Record<string, any> | undefined;
          const last = stdout.trim().split('\n').pop();
          try { counters = last ? JSON.parse(last).counters : undefined; } catch { counters = undefined; }
          return { code, stdout, stderr, counters };
        },
      });
    };
    child.stderr!.on('data', check);
    child.on('close', () => { clearTimeout(deadline); reject(new Error(`listen exited early: ${stderr}${stdout}`)); });
  });
}

/** Send datagrams to 127.0.0.1:port, pacing a little so that loopback never drops them. */
export async function sendUdp(port: number, packets: Buffer[], host = '127.0.0.1'): Promise<void> {
  const sock = createSocket(host.includes(':') ? 'udp6' : 'udp4');
  for (let i = 0; i < packets.length; i++) {
    await new Promise<void>((r, j) => sock.send(packets[i]!, port, host, (e) => (e ? j(e) : r())));
    if (i % 50 === 49) await new Promise((r) => setTimeout(r, 1));
  }
  await new Promise<void>((r) => sock.close(() => r()));
}

/** Poll until `cond` holds or the time is up. */
export async function waitFor(cond: () => boolean, timeoutMs = 5000): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return cond();
}
