// Short texts the rules share: a hop as "src → dst", a duration, a message label.
import type { SipView } from './sip-view.js';

export function hopText(src: string | undefined, dst: string | undefined): string {
  return `${src ?? '?'} → ${dst ?? '?'}`;
}

export function seconds(ns: bigint): string {
  const s = Number(ns) / 1e9;
  return s < 1 ? `${Math.round(s * 1000)} ms` : `${s.toFixed(s < 10 ? 2 : 1)} s`;
}

export function label(v: SipView): string {
  return v.isRequest ? `${v.method ?? '?'}` : `${v.status ?? '?'} ${v.reason ?? ''}`.trim();
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
