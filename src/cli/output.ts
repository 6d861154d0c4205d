// Where output goes: data on stdout, diagnostics and progress on stderr; colour only on a TTY
// and never with NO_COLOR (https://no-color.org).
import type { ChalkInstance } from 'chalk';

export function colorEnabled(stream: NodeJS.WriteStream = process.stdout, env = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  return Boolean(stream.isTTY) && env.TERM !== 'dumb';
}

/** The styles the renderers draw with (chalk's, or the identity when colour is off). */
export type Styles = Record<'bold' | 'dim' | 'gray' | 'cyan' | 'yellow' | 'green' | 'red' | 'magenta' | 'blue', (s: string) => string>;

const same = (s: string) => s;
const PLAIN: Styles = { bold: same, dim: same, gray: same, cyan: same, yellow: same, green: same, red: same, magenta: same, blue: same };

let colored: ChalkInstance | undefined;

/**
 * Loads chalk if colour is on; a command calls it before drawing. chalk is not loaded otherwise:
 * its set-up and its own terminal probe (node:tty, node:os) were ~2 ms of `show`'s start-up,
 * spent for nothing when the output is piped or NO_COLOR is set. Returns `enabled`.
 */
export async function loadColors(enabled: boolean): Promise<boolean> {
  if (enabled && !colored) colored = new (await import('chalk')).Chalk({ level: 2 });
  return enabled;
}

export function makeChalk(enabled: boolean): Styles {
  if (!enabled) return PLAIN;
  if (!colored) throw new Error('colour output asked for before loadColors(true)');
  return colored;
}

/** Write data to stdout, respecting back-pressure (large outputs piped to jq/less). */
export async function writeOut(text: string): Promise<void> {
  if (text === '') return;
  if (!process.stdout.write(text)) await new Promise<void>((r) => process.stdout.once('drain', () => r()));
}

export function diag(message: string): void {
  process.stderr.write(message.endsWith('\n') ? message : message + '\n');
}

/** Thrown for bad command-line usage: exit status 2. */
export class UsageError extends Error {}

/** Thrown for a failure the user should see as one line (exit status 1), e.g. an unknown Call-ID. */
export class CommandError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
  }
}

/** A one-line progress bar on stderr, drawn only when stderr is a TTY, at most every 150 ms. */
export class ProgressBar {
  private last = 0;
  private shown = false;
  private readonly startedAt = Date.now();
  constructor(private readonly enabled = Boolean(process.stderr.isTTY)) {}

  update(label: string, done: number, total: number | undefined): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.last < 150) return;
    this.last = now;
    const width = Math.max(10, Math.min(40, (process.stderr.columns ?? 80) - 60));
    const rate = done / Math.max(0.001, (now - this.startedAt) / 1000);
    let bar = '';
    if (total && total > 0) {
      const frac = Math.min(1, done / total);
      const filled = Math.round(frac * width);
      bar = `[${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${(frac * 100).toFixed(0).padStart(3)}% `;
    }
    const name = label.length > 30 ? '…' + label.slice(-29) : label;
    process.stderr.write(`\r${bar}${formatBytes(done)} ${formatBytes(rate)}/s ${name}\x1b[K`);
    this.shown = true;
  }

  clear(): void {
    if (this.shown) process.stderr.write('\r\x1b[K');
    this.shown = false;
  }
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${Math.round(n)} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} kB`;
  if (n < 1024 ** 3) return `${(n / 1024 / 1024).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(2)} GB`;
}
