// The terminal ladder (sequence diagram): one lifeline per entity (`ip:port` or its alias),
// two rows per message — `#n time` and the label, then the delta and the arrow — in the
// style sngrep and tshark users know (PEERS.md §2.1). Fits a width: tighter spacing first,
// then labels cut with an ellipsis; an arrow never wraps. All SIP text is escaped for the
// terminal (headers are attacker-controlled; an ESC in a User-Agent must not reach the tty).
import type { Dialogue, DialogueMessage } from '../dialogue/types.js';
import { formatDelta, toIso } from '../model/time.js';
import { makeChalk, type Styles } from '../cli/output.js';
import { kindStyle, messageKind } from './colors.js';
import { fitLayout, isAnnotation, ladderColumns, lifelines, SELF_LOOP, UNKNOWN_ENTITY, type LabelSpan } from './ladder-layout.js';
import { capturePoints, markLegend, markText, messageMarks, shortLabel, type Mark } from './marks.js';
import { charWidth, displayWidth, escapeText, padStart, truncate } from './text-width.js';

export interface LadderOptions {
  color: boolean;
  ascii?: boolean;
  /** Columns available (default 120). */
  width?: number;
  /** Print each message's raw lines under its arrow. */
  raw?: boolean;
  /** Entity (`ip:port`) → name. */
  aliases?: Map<string, string>;
  /** Message index → `analyze` finding marks ("E auth-loop"), shown on the arrows. */
  findings?: Map<number, string[]>;
}

interface Glyphs {
  life: string; line: string; right: string; left: string;
  selfTop: string; selfBottom: string; dots: string; ellipsis: string;
}
const UNICODE: Glyphs = { life: '│', line: '─', right: '▶', left: '◀', selfTop: '├─┐', selfBottom: '│◀┘', dots: '┄┄', ellipsis: '…' };
const ASCII: Glyphs = { life: '|', line: '-', right: '>', left: '<', selfTop: '|-.', selfBottom: "|<'", dots: '..', ellipsis: '~' };

type Style = ((s: string) => string) | undefined;

/** One output line as cells, so that text and arrows can be laid over the lifelines. */
class Row {
  private readonly ch: string[] = [];
  private readonly st: Style[] = [];
  put(x: number, text: string, style?: Style): void {
    for (const c of text) {
      const w = charWidth(c);
      if (w === 0) { if (x > 0) this.ch[x - 1] = (this.ch[x - 1] ?? ' ') + c; continue; }
      this.ch[x] = c; this.st[x] = style;
      if (w === 2) { this.ch[x + 1] = ''; this.st[x + 1] = style; }
      x += w;
    }
  }
  toString(): string {
    let out = '';
    let run = '';
    let runStyle: Style;
    const flush = () => { if (run) out += runStyle ? runStyle(run) : run; run = ''; };
    for (let i = 0; i < this.ch.length; i++) {
      const s = this.st[i];
      if (s !== runStyle) { flush(); runStyle = s; }
      run += this.ch[i] ?? ' ';
    }
    flush();
    return out.replace(/ +$/, '');
  }
}

interface ArrowPlan {
  m: DialogueMessage;
  annotation: boolean;
  lo: number;
  hi: number;
  rightward: boolean;
  label: string;
  marks: string;
  marksList: Mark[];
}

export function renderLadder(d: Dialogue, opts: LadderOptions): string {
  const ascii = Boolean(opts.ascii);
  const g = ascii ? ASCII : UNICODE;
  const chalk = makeChalk(opts.color);
  const width = opts.width && opts.width > 0 ? opts.width : 120;
  const esc = (s: string) => escapeText(s, ascii);

  const entities = ladderColumns(d);
  const col = (e: string | undefined) => entities.indexOf(e ?? UNKNOWN_ENTITY);

  const top = entities.map((e) => esc(opts.aliases?.get(e) ?? e));
  const bottom = entities.map((e) => (opts.aliases?.has(e) ? esc(e) : ''));
  const hasAliasRow = bottom.some((b) => b !== '');
  const nameWidths = entities.map((_, i) => Math.max(displayWidth(top[i]!), displayWidth(bottom[i]!)));

  const usedMarks = new Set<Mark['type']>();
  const plans: ArrowPlan[] = d.messages.map((m) => {
    const marksList = messageMarks(m, opts.findings);
    for (const k of marksList) usedMarks.add(k.type);
    const a = col(m.src), b = col(m.dst);
    return {
      m, annotation: isAnnotation(m), lo: Math.min(a, b), hi: Math.max(a, b), rightward: a <= b,
      // A log line across the diagram says what Kamailio did: its text, not a start line.
      label: esc(isAnnotation(m) ? m.chunk.label ?? m.chunk.raw.join(' | ') : shortLabel(m)), marks: marksList.map((k) => markText(k, ascii)).join(' '), marksList,
    };
  });
  const fullLabel = (p: ArrowPlan) => (p.marks ? `${p.label} ${p.marks}` : p.label);
  const spans: LabelSpan[] = plans.filter((p) => !p.annotation).map((p) => ({ lo: p.lo, hi: p.hi, width: displayWidth(fullLabel(p)) }));

  const indexWidth = String(d.messages.length).length + 1;
  const timeWidth = 15;
  const margin = indexWidth + 1 + timeWidth + 2;
  const layout = fitLayout(nameWidths, spans, width - margin);
  const xs = lifelines(layout).map((x) => x + margin);
  const cap = (s: string) => (layout.nameCap === Infinity ? s : truncate(s, layout.nameCap, g.ellipsis));
  /** The label with its marks, cut to `room` cells: the label is cut before the marks are. */
  const fitLabel = (p: ArrowPlan, room: number) => {
    const full = fullLabel(p);
    if (displayWidth(full) <= room) return full;
    const mw = displayWidth(p.marks);
    if (p.marks && mw + 1 + 4 <= room) return `${truncate(p.label, room - mw - 1, g.ellipsis)} ${p.marks}`;
    return truncate(full, Math.max(1, room), g.ellipsis);
  };

  const lifeRow = () => {
    const r = new Row();
    for (const x of xs) r.put(x, g.life);
    return r;
  };
  const dim = chalk.dim;
  const lines: string[] = [];

  // Header: names centred over their lifelines, the address under an alias.
  const firstIso = d.messages.length ? toIso(d.messages[0]!.time) : '';
  const h1 = new Row();
  const h2 = new Row();
  h1.put(0, firstIso.length >= 10 ? `${firstIso.slice(0, 10)} UTC` : 'time (UTC)', dim);
  entities.forEach((_, i) => {
    const t = cap(top[i]!);
    h1.put(xs[i]! - Math.floor(displayWidth(t) / 2), t, chalk.bold);
    if (bottom[i]) {
      const b = cap(bottom[i]!);
      h2.put(xs[i]! - Math.floor(displayWidth(b) / 2), b, dim);
    }
  });
  lines.push(h1.toString());
  if (hasAliasRow) lines.push(h2.toString());
  lines.push(lifeRow().toString());

  let prev: bigint | undefined;
  let prevDate = firstIso.slice(0, 10);
  for (const p of plans) {
    const m = p.m;
    const iso = toIso(m.time);
    const date = iso.slice(0, 10);
    if (date !== prevDate) {
      const r = lifeRow();
      r.put(0, `${date} UTC`, chalk.bold);
      lines.push(r.toString());
      prevDate = date;
    }
    const style = kindStyle(chalk, messageKind(m.chunk));
    const timeText = iso.length >= 26 ? iso.slice(11, 26) : iso;
    const r1 = lifeRow();
    const r2 = lifeRow();
    r1.put(0, padStart(`#${m.index + 1}`, indexWidth) + ' ');
    r1.put(indexWidth + 1, timeText, dim);
    if (prev !== undefined) r2.put(0, padStart(formatDelta(m.time - prev), indexWidth + 1 + timeWidth), dim);
    prev = m.time;

    if (p.annotation) {
      const x = xs[0]! + 2;
      const text = ` ${g.dots} ${fitLabel(p, Math.max(4, width - x - 4))} `;
      r1.put(x - 1, text, chalk.gray);
    } else if (p.lo === p.hi) {
      const x = xs[p.lo]!;
      const room = p.lo < xs.length - 1 ? layout.gaps[p.lo]! - SELF_LOOP - layout.pad - 1 : Math.max(layout.tail, width - x - 1) - SELF_LOOP;
      r1.put(x, g.selfTop, style);
      r1.put(x + SELF_LOOP, fitLabel(p, room), style);
      r2.put(x, g.selfBottom, style);
    } else {
      const x0 = xs[p.lo]!, x1 = xs[p.hi]!;
      const interior = x1 - x0 - 1;
      const label = fitLabel(p, interior - 2 * layout.pad);
      r1.put(x0 + 1 + Math.floor((interior - displayWidth(label)) / 2), label, style);
      const shaft = g.line.repeat(interior - 1);
      r2.put(x0 + 1, p.rightward ? shaft + g.right : g.left + shaft, style);
    }
    lines.push(r1.toString(), r2.toString());
    if (opts.raw) lines.push(...rawBlock(m, p.marksList, esc));
  }

  lines.push(...footer(d, chalk, usedMarks, ascii, esc));
  return lines.join('\n') + '\n';
}

/** `--raw`: what is known about the message, then its lines, indented under the arrow. */
function rawBlock(m: DialogueMessage, marks: Mark[], esc: (s: string) => string): string[] {
  const out: string[] = [];
  const ind = '      ';
  for (const k of marks) {
    if (k.type === 'seen') {
      out.push(`${ind}# seen by ${k.count} capture points:`);
      for (const o of m.observations) out.push(`${ind}#   ${esc(o.parser)} at ${toIso(BigInt(o.ts))} (its clock)`);
    } else if (k.type === 'retransmission') out.push(`${ind}# retransmission of #${k.of + 1}`);
    else if (k.type === 'flag') out.push(`${ind}# flag: ${esc(k.flag)}`);
    else if (k.type === 'note') out.push(`${ind}# order: ${esc(k.text)}`);
  }
  if (!marks.some((k) => k.type === 'seen') && capturePoints(m).length === 1) out.push(`${ind}# ${esc(m.chunk.parser)}`);
  for (const line of m.chunk.raw) out.push(line === '' ? '' : ind + esc(line));
  if (out[out.length - 1] !== '') out.push('');
  return out;
}

function footer(d: Dialogue, chalk: Styles, used: Set<Mark['type']>, ascii: boolean, esc: (s: string) => string): string[] {
  const out: string[] = [''];
  out.push(chalk.bold('capture points') + chalk.dim(' (clock offset to the common timeline, method, support, chunks)'));
  if (d.clocks.length) {
    for (const k of d.clocks) {
      out.push(`  ${padStart(formatDelta(k.offset), 11)}  ${k.method.padEnd(9)}  support ${String(k.support).padStart(3)}  ${String(k.chunks).padStart(4)} chunk${k.chunks === 1 ? ' ' : 's'}  ${esc(k.parser)}`);
    }
  } else {
    const counts = new Map<string, number>();
    for (const m of d.messages) for (const o of m.observations) counts.set(o.parser, (counts.get(o.parser) ?? 0) + 1);
    for (const [parser, n] of counts) out.push(`  ${padStart('?', 11)}  ${'none'.padEnd(9)}  support   0  ${String(n).padStart(4)} chunk${n === 1 ? ' ' : 's'}  ${esc(parser)}`);
  }
  if (d.duplicatesDropped > 0) out.push(`  ${d.duplicatesDropped} capture duplicate${d.duplicatesDropped === 1 ? '' : 's'} dropped`);
  const notes = [...d.notes.map((n) => `- ${esc(n)}`), ...d.messages.filter((m) => m.note).map((m) => `* #${m.index + 1}: ${esc(m.note!)}`)];
  if (notes.length) {
    out.push(chalk.bold('notes'));
    for (const n of notes) out.push(`  ${n}`);
  }
  const legend = markLegend(used, ascii);
  if (legend.length) {
    out.push(chalk.bold('marks'));
    for (const l of legend) out.push(`  ${l}`);
  }
  return out;
}
