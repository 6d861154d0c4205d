// The dialogue as a table (cli-table3) for people: the same marks as the ladder
// (render/marks.ts), every SIP text escaped for the terminal.
import Table from 'cli-table3';
import { formatDelta, toIso } from '../model/time.js';
import type { Dialogue } from '../dialogue/types.js';
import { makeChalk } from '../cli/output.js';
import { kindStyle, messageKind } from './colors.js';
import { capturePoints, markDescription, messageMarks } from './marks.js';
import { escapeText } from './text-width.js';

export function renderTable(d: Dialogue, opts: { color: boolean; width?: number; aliases?: Map<string, string> }): string {
  const chalk = makeChalk(opts.color);
  const name = (e: string | undefined) => (e === undefined ? '?' : escapeText(opts.aliases?.get(e) ?? e));
  const table = new Table({
    head: ['#', 'time (UTC)', 'delta', 'src', 'dst', 'message', 'cseq', 'capture points'],
    style: { head: opts.color ? ['cyan'] : [], border: opts.color ? ['grey'] : [] },
    wordWrap: true,
  });
  let prev: bigint | undefined;
  for (const m of d.messages) {
    const c = m.chunk;
    const marks = messageMarks(m).map((k) => (k.type === 'seen' ? `×${k.count}: seen by ${k.count} capture points` : markDescription(k)));
    const label = escapeText(c.label ?? (c.kind === 'log' ? c.raw.join(' | ') : '(no start line)'));
    table.push([
      String(m.index + 1),
      toIso(m.time).replace('T', ' ').replace('Z', ''),
      prev === undefined ? '' : formatDelta(m.time - prev),
      name(m.src),
      name(m.dst),
      kindStyle(chalk, messageKind(c))(label) + (marks.length ? `\n(${escapeText(marks.join('; '))})` : ''),
      escapeText(c.c_seq ?? ''),
      // The capture points column is the `×N` mark: every point that saw the message.
      capturePoints(m).map((p) => escapeText(p)).join('\n'),
    ]);
    prev = m.time;
  }
  let out = table.toString() + '\n';
  if (d.clocks.length) {
    const t = new Table({ head: ['capture point', 'clock offset', 'support', 'method', 'chunks'], style: { head: opts.color ? ['cyan'] : [], border: opts.color ? ['grey'] : [] } });
    for (const k of d.clocks) t.push([escapeText(k.parser), formatDelta(k.offset), String(k.support), k.method, String(k.chunks)]);
    out += t.toString() + '\n';
  }
  if (d.duplicatesDropped > 0) out += `${d.duplicatesDropped} capture duplicate${d.duplicatesDropped === 1 ? '' : 's'} dropped\n`;
  for (const n of d.notes) out += `note: ${escapeText(n)}\n`;
  return out;
}
