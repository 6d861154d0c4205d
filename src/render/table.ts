// The dialogue as a table (cli-table3) for people.
import Table from 'cli-table3';
import { formatDelta, toIso } from '../model/time.js';
import type { Dialogue } from '../dialogue/types.js';

export function renderTable(d: Dialogue, opts: { color: boolean; width?: number }): string {
  const table = new Table({
    head: ['#', 'time (UTC)', 'delta', 'src', 'dst', 'message', 'cseq', 'capture points'],
    style: { head: opts.color ? ['cyan'] : [], border: opts.color ? ['grey'] : [] },
    wordWrap: true,
  });
  let prev: bigint | undefined;
  for (const m of d.messages) {
    const c = m.chunk;
    const marks: string[] = [];
    if (m.retransmissionOf !== undefined) marks.push(`retransmission of #${m.retransmissionOf + 1}`);
    if (c.flags?.length) marks.push(c.flags.join(','));
    table.push([
      String(m.index + 1),
      toIso(m.time).replace('T', ' ').replace('Z', ''),
      prev === undefined ? '' : formatDelta(m.time - prev),
      m.src ?? '?',
      m.dst ?? '?',
      (c.label ?? '(no start line)') + (marks.length ? `\n(${marks.join('; ')})` : ''),
      c.c_seq ?? '',
      [...new Set(m.observations.map((o) => o.parser))].join('\n'),
    ]);
    prev = m.time;
  }
  let out = table.toString() + '\n';
  if (d.clocks.length) {
    const t = new Table({ head: ['capture point', 'clock offset', 'support', 'method', 'chunks'], style: { head: opts.color ? ['cyan'] : [] } });
    for (const k of d.clocks) t.push([k.parser, formatDelta(k.offset), String(k.support), k.method, String(k.chunks)]);
    out += t.toString() + '\n';
  }
  return out;
}
