// A minimal Chrome DevTools Protocol client for the HTML tests, over `--remote-debugging-pipe`
// (file descriptors 3 and 4, NUL-separated JSON): no WebSocket (Node 20 has no global one),
// no port to pick, no npm dependency, no browser download. Uses Debian's chromium.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';

export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

/** For node:test's `skip`: false when chromium is installed, else why the test cannot run. */
export function chromiumSkip(): false | string {
  if (existsSync(CHROMIUM)) return false;
  return `chromium not found at ${CHROMIUM} (Debian package chromium; or set CHROMIUM)`;
}

/** Flags for a headless run that contacts nothing: no sync, no updates, no background fetches. */
export function headlessArgs(profile: string): string[] {
  return ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--no-first-run', '--no-default-browser-check', '--disable-extensions', `--user-data-dir=${profile}`];
}

interface Pending { resolve: (v: any) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }
export interface CdpEvent { method: string; params: any; sessionId?: string }

export class Cdp {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private buffer = '';
  readonly events: CdpEvent[] = [];
  private waiters: { match: (e: CdpEvent) => boolean; resolve: (e: CdpEvent) => void }[] = [];

  private constructor(private readonly child: ChildProcess, private readonly profile: string) {
    const out = child.stdio[4] as Readable;
    out.setEncoding('utf8');
    out.on('data', (d: string) => this.onData(d));
    child.on('exit', () => {
      for (const p of this.pending.values()) { clearTimeout(p.timer); p.reject(new Error('chromium exited')); }
      this.pending.clear();
    });
  }

  static async launch(extra: string[] = []): Promise<Cdp> {
    const profile = mkdtempSync(join(tmpdir(), 'ci-chromium-'));
    const child = spawn(CHROMIUM, [...headlessArgs(profile), '--remote-debugging-pipe', '--window-size=1400,900', ...extra, 'about:blank'],
      { stdio: ['ignore', 'ignore', 'ignore', 'pipe', 'pipe'] });
    const cdp = new Cdp(child, profile);
    await cdp.send('Browser.getVersion');
    return cdp;
  }

  private onData(d: string): void {
    this.buffer += d;
    let nul: number;
    while ((nul = this.buffer.indexOf('\0')) >= 0) {
      const msg = JSON.parse(this.buffer.slice(0, nul));
      this.buffer = this.buffer.slice(nul + 1);
      if (msg.id !== undefined) {
        const p = this.pending.get(msg.id);
        if (!p) continue;
        this.pending.delete(msg.id);
        clearTimeout(p.timer);
        if (msg.error) p.reject(new Error(`${msg.error.message} (${msg.error.code})`));
        else p.resolve(msg.result);
      } else {
        const e: CdpEvent = { method: msg.method, params: msg.params, sessionId: msg.sessionId };
        this.events.push(e);
        this.waiters = this.waiters.filter((w) => (w.match(e) ? (w.resolve(e), false) : true));
      }
    }
  }

  send(method: string, params: Record<string, unknown> = {}, sessionId?: string, timeoutMs = 15000): Promise<any> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => { this.pending.delete(id); reject(new Error(`CDP ${method} timed out`)); }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      (this.child.stdio[3] as Writable).write(JSON.stringify({ id, method, params, sessionId }) + '\0');
    });
  }

  waitFor(method: string, sessionId?: string, timeoutMs = 15000): Promise<CdpEvent> {
    const match = (e: CdpEvent) => e.method === method && (sessionId === undefined || e.sessionId === sessionId);
    const seen = this.events.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${method} within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({ match, resolve: (e) => { clearTimeout(timer); resolve(e); } });
    });
  }

  /** A new page, attached in flat mode: returns its session id. */
  async newPage(): Promise<string> {
    const { targetId } = await this.send('Target.createTarget', { url: 'about:blank' });
    const { sessionId } = await this.send('Target.attachToTarget', { targetId, flatten: true });
    for (const domain of ['Page', 'Runtime', 'Log']) await this.send(`${domain}.enable`, {}, sessionId);
    return sessionId;
  }

  async navigate(sessionId: string, url: string): Promise<void> {
    this.events.length = 0;
    const loaded = this.waitFor('Page.loadEventFired', sessionId);
    await this.send('Page.navigate', { url }, sessionId);
    await loaded;
  }

  async evaluate<T = unknown>(sessionId: string, expression: string): Promise<T> {
    const r = await this.send('Runtime.evaluate', { expression, returnByValue: true, awaitPromise: true }, sessionId);
    if (r.exceptionDetails) throw new Error(`page exception: ${r.exceptionDetails.exception?.description ?? r.exceptionDetails.text}`);
    return r.result.value as T;
  }

  async close(): Promise<void> {
    try { await this.send('Browser.close', {}, undefined, 3000); } catch { /* already gone */ }
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((r) => this.child.once('exit', r));
      const t = setTimeout(() => this.child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(t);
    }
    rmSync(this.profile, { recursive: true, force: true });
  }
}
