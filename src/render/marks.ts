// What a renderer writes about one message besides its arrow: the short label (method and
// R-URI, or status and reason, `(SDP)` like sngrep) and the marks (retransmission, seen by
// several capture points, from a log, flags, ordering note). Shared by ladder, table and HTML
// so that the three always say the same thing.
import type { DialogueMessage } from '../dialogue/types.js';
import { statusOf } from './colors.js';

export type Mark =
  | { type: 'log' }
  | { type: 'seen'; count: number; parsers: string[] }
  | { type: 'retransmission'; of: number }
  | { type: 'flag'; flag: string }
  | { type: 'note'; text: string }
  /** A finding of `analyze` that names this message as evidence: severity letter and rule. */
  | { type: 'finding'; severity: string; rule: string };

const SDP = /^(?:content-type|c)\s*:\s*application\/sdp/i;

/** `INVITE sip:bob@10.0.0.2:5060` (no URI parameters, no `SIP/2.0`), `180 Ringing`, with ` (SDP)`. */
export function shortLabel(m: DialogueMessage): string {
  const c = m.chunk;
  const label = (c.label ?? '').trim();
  let text: string;
  const status = statusOf(c);
  if (status !== undefined) {
    const reason = c.reason ?? label.replace(/^(?:SIP\/2\.0\s+)?\d{3}\s*/i, '');
    text = reason ? `${status} ${reason}` : String(status);
  } else if (label) {
    const parts = label.split(/\s+/);
    const method = c.method ?? parts[0]!;
    const uri = parts[0] === method || c.method === undefined ? parts[1] : undefined;
    text = uri ? `${method} ${shortUri(uri)}` : method;
  } else if (c.method) {
    text = c.method;
  } else if (c.kind === 'log' && c.raw.length) {
    // A Kamailio transaction without a `received …` line: its first log message says most.
    text = c.raw[0]!;
  } else {
    text = '(no start line)';
  }
  if (c.kind === 'sip' && c.raw.some((l) => SDP.test(l))) text += ' (SDP)';
  return text;
}

/** The R-URI without parameters and headers: what identifies the target at a glance. */
export function shortUri(uri: string): string {
  const at = uri.indexOf('@');
  const semi = uri.indexOf(';', at < 0 ? 0 : at);
  const q = uri.indexOf('?', at < 0 ? 0 : at);
  const cut = Math.min(semi < 0 ? uri.length : semi, q < 0 ? uri.length : q);
  return uri.slice(0, cut).replace(/^<|>$/g, '');
}

/** Distinct capture points that saw the message, in observation order. */
export function capturePoints(m: DialogueMessage): string[] {
  return [...new Set(m.observations.map((o) => o.parser))];
}

/**
 * Marks of one message; `findings` maps message index → `analyze` marks such as "E auth-loop"
 * (analysis/analyze.ts findingMarks), so the ladder shows which messages prove a finding.
 */
export function messageMarks(m: DialogueMessage, findings?: Map<number, string[]>): Mark[] {
  const marks: Mark[] = [];
  if (m.chunk.kind === 'log') marks.push({ type: 'log' });
  const parsers = capturePoints(m);
  if (parsers.length > 1) marks.push({ type: 'seen', count: parsers.length, parsers });
  if (m.retransmissionOf !== undefined) marks.push({ type: 'retransmission', of: m.retransmissionOf });
  const flags = new Set<string>();
  for (const o of [m.chunk, ...m.observations]) for (const f of o.flags ?? []) flags.add(f);
  // The capture reader's own 'retransmission' flag says what the retx mark already says.
  if (m.retransmissionOf !== undefined) flags.delete('retransmission');
  for (const f of flags) marks.push({ type: 'flag', flag: f });
  if (m.note) marks.push({ type: 'note', text: m.note });
  for (const f of findings?.get(m.index) ?? []) {
    const [severity = '?', rule = f] = f.split(' ', 2);
    marks.push({ type: 'finding', severity, rule });
  }
  return marks;
}

/** Compact form for an arrow label: `(log)`, `×2`, `retx #3`, `!truncated`, `*` (see the notes). */
export function markText(k: Mark, ascii = false): string {
  switch (k.type) {
    case 'log': return '(log)';
    case 'seen': return `${ascii ? 'x' : '×'}${k.count}`;
    case 'retransmission': return `retx #${k.of + 1}`;
    case 'flag': return `!${k.flag}`;
    case 'note': return '*';
    case 'finding': return `[${k.severity}:${k.rule}]`;
  }
}

/** Long form for tables and the HTML panel. */
export function markDescription(k: Mark): string {
  switch (k.type) {
    case 'log': return 'from a Kamailio log';
    case 'seen': return `seen by ${k.count} capture points: ${k.parsers.join(', ')}`;
    case 'retransmission': return `retransmission of #${k.of + 1}`;
    case 'flag': return `flag: ${k.flag}`;
    case 'note': return `order: ${k.text}`;
    case 'finding': return `finding (${k.severity}): ${k.rule}`;
  }
}

/** The legend lines for the marks that occur, in a fixed order. */
export function markLegend(used: Set<Mark['type']>, ascii = false): string[] {
  const out: string[] = [];
  if (used.has('seen')) out.push(`${ascii ? 'xN' : '×N'}  seen by N capture points (merged into one message)`);
  if (used.has('retransmission')) out.push('retx #n  retransmission of message #n');
  if (used.has('log')) out.push('(log)  a Kamailio log transaction, not a captured packet');
  if (used.has('flag')) out.push('!flag  the capture or the parser flagged the message (truncated, parse problem, ...)');
  if (used.has('note')) out.push('*  the data could not decide the order: see the notes');
  if (used.has('finding')) out.push('[E:rule]  evidence of a finding of `analyze` (E error, W warning, I info)');
  return out;
}
