// ASCII/Unicode sequence diagram: one column per entity, one arrow per message.
import type { Dialogue } from '../dialogue/types.js';
import { formatDelta, toIso } from '../model/time.js';

export interface LadderOptions {
  color: boolean;
  ascii?: boolean;
  width?: number;
  raw?: boolean;
  aliases?: Map<string, string>;
}

export function renderLadder(d: Dialogue, opts: LadderOptions): string {
  const entities = d.entities.length ? d.entities : ['?'];
  const colWidth = 26;
  const col = (e: string | undefined) => Math.max(0, e ? entities.indexOf(e) : -1);
  const lines: string[] = [];
  const name = (e: string) => opts.aliases?.get(e) ?? e;
  lines.push(' '.repeat(30) + entities.map((e) => name(e).slice(0, colWidth - 2).padEnd(colWidth)).join(''));
  let prev: bigint | undefined;
  for (const m of d.messages) {
    const a = col(m.src), b = col(m.dst);
    const lo = Math.min(a, b), hi = Math.max(a, b);
    const cells: string[] = entities.map(() => '|'.padEnd(colWidth));
    const span = (hi - lo) * colWidth;
    const label = (m.chunk.label ?? '?').slice(0, Math.max(8, span - 4));
    let arrow: string;
    if (a === b) arrow = `|<-- ${label}`;
    else if (a < b) arrow = `|${('-- ' + label + ' ').padEnd(span - 1, '-')}>`;
    else arrow = `|<${(' ' + label + ' --').padStart(span - 1, '-')}`;
    const row = cells.join('').split('');
    const start = lo * colWidth;
    for (let i = 0; i < arrow.length; i++) row[start + i] = arrow[i]!;
    const when = toIso(m.time).slice(11, 26);
    const delta = prev === undefined ? '' : formatDelta(m.time - prev);
    lines.push(`${when} ${delta.padStart(13)} ${row.join('').trimEnd()}`);
    prev = m.time;
  }
  return lines.join('\n') + '\n';
}
