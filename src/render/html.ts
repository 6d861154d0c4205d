// `show --format html`: one self-contained page to attach to a ticket. An SVG ladder drawn
// here (it renders without script), the legend, the capture points with their clock offsets,
// and a panel that shows the raw message of an arrow on click or Enter. Nothing is loaded
// from anywhere: a strict Content-Security-Policy allows only this page's own style and
// script, by hash. Message text is escaped everywhere (html-escape.ts); the message data is
// a JSON block that the script reads and shows with textContent only.
import { createHash } from 'node:crypto';
import type { Dialogue } from '../dialogue/types.js';
import { formatDelta, toIso } from '../model/time.js';
import { KIND_CSS, KIND_NAMES, messageKind, type MessageKind } from './colors.js';
import { isAnnotation, ladderColumns, layoutColumns, lifelines, SELF_LOOP, UNKNOWN_ENTITY, type LabelSpan } from './ladder-layout.js';
import { capturePoints, markDescription, markLegend, markText, messageMarks, shortLabel, type Mark } from './marks.js';
import { displayWidth, escapeText, truncate } from './text-width.js';
import { escapeHtml, jsonForScript } from './html-escape.js';

export interface HtmlOptions {
  aliases?: Map<string, string>;
  /** Page title (default: the Call-IDs). */
  title?: string;
}

/** Pixels per character cell of the 12px monospace font (DejaVu Sans Mono advance is 0.602 em). */
const CELL = 7.25;
const ROW = 38;
const HEAD = 50;
/** Labels longer than this are cut in the drawing; the tooltip and the panel have them whole. */
const LABEL_CAP = 56;
const MARGIN_CELLS = 21;

const STYLE = `
:root{color-scheme:light}
body{margin:0;font:14px/1.4 system-ui,sans-serif;color:#1b1b1b;background:#fafafa}
header{padding:10px 16px;background:#22303c;color:#fff}
header h1{font-size:16px;margin:0}
header p{margin:2px 0 0;font-size:12px;color:#c9d3dc}
.wrap{display:flex;gap:12px;padding:12px;align-items:flex-start}
.ladder{flex:1 1 auto;overflow:auto;background:#fff;border:1px solid #ddd;border-radius:4px}
aside{flex:0 0 32%;max-width:560px;position:sticky;top:12px;max-height:calc(100vh - 24px);overflow:auto;background:#fff;border:1px solid #ddd;border-radius:4px;padding:10px 12px}
aside h2{font-size:14px;margin:0 0 6px;font-family:monospace;word-break:break-all}
#p-meta{font-size:12px;margin:0 0 8px;display:grid;grid-template-columns:max-content 1fr;gap:2px 10px}
#p-meta dt{color:#666}#p-meta dd{margin:0;font-family:monospace;word-break:break-all}
#p-raw{font:12px/1.35 monospace;white-space:pre-wrap;word-break:break-all;background:#f4f4f4;padding:8px;margin:0;border-radius:3px}
section.info{padding:0 12px 16px;font-size:13px}
section.info h2{font-size:14px;margin:12px 0 4px}
table{border-collapse:collapse;font-size:12px}
td,th{border:1px solid #ddd;padding:2px 8px;text-align:left}
td.num{text-align:right;font-family:monospace}
.sw{display:inline-block;width:18px;height:3px;vertical-align:middle;margin-right:6px}
ul{margin:4px 0;padding-left:20px}
svg text{font:12px monospace;fill:#1b1b1b}
svg .name{font-weight:bold}
svg .addr,svg .t,svg .d{fill:#666}
svg .life{stroke:#9aa5ad;stroke-width:1}
svg .msg{cursor:pointer;outline:none}
svg .hit{fill:transparent}
svg .msg:hover .hit{fill:#eef4fb}
svg .msg:focus .hit{fill:#e3edf9;stroke:#1f5fbf;stroke-width:1}
svg .msg.sel .hit{fill:#fff1c2}
svg .msg .shaft{stroke:currentColor;stroke-width:1.6;fill:none}
svg .msg .head{fill:currentColor}
svg .msg .lbl{fill:currentColor}
svg .msg.ann .lbl{fill:#6b6b6b;font-style:italic}
svg .msg.ann .shaft{stroke:#b7b7b7;stroke-dasharray:4 3}
svg .retx .shaft{stroke-dasharray:6 3}
` + (Object.keys(KIND_CSS) as MessageKind[]).map((k) => `.k-${k}{color:${KIND_CSS[k]}}.sw.k-${k}{background:${KIND_CSS[k]}}`).join('\n') + '\n';

// The page's only script: plain DOM, textContent only, no eval, no innerHTML.
const SCRIPT = `
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('ci-data').textContent);
  var title = document.getElementById('p-title');
  var meta = document.getElementById('p-meta');
  var raw = document.getElementById('p-raw');
  var msgs = Array.prototype.slice.call(document.querySelectorAll('#ladder .msg'));
  var current = null;
  function show(g) {
    var m = data.messages[Number(g.getAttribute('data-i'))];
    if (!m) return;
    if (current) current.classList.remove('sel');
    current = g;
    g.classList.add('sel');
    title.textContent = '#' + m.n + ' ' + m.label;
    while (meta.firstChild) meta.removeChild(meta.firstChild);
    m.meta.forEach(function (kv) {
      var dt = document.createElement('dt');
      var dd = document.createElement('dd');
      dt.textContent = kv[0];
      dd.textContent = kv[1];
      meta.appendChild(dt);
      meta.appendChild(dd);
    });
    raw.textContent = m.raw;
  }
  msgs.forEach(function (g, k) {
    g.addEventListener('click', function () { show(g); });
    g.addEventListener('keydown', function (e) {
      var next = null;
      if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); show(g); return; }
      if (e.key === 'ArrowDown' || e.key === 'j') next = msgs[k + 1];
      if (e.key === 'ArrowUp' || e.key === 'k') next = msgs[k - 1];
      if (next) { e.preventDefault(); next.focus(); show(next); }
    });
  });
})();
`;

const sha256 = (s: string) => 'sha256-' + createHash('sha256').update(s, 'utf8').digest('base64');
/** No network, no plugins, no frames, no forms: only this page's own style and script run. */
export const CSP = `default-src 'none'; script-src '${sha256(SCRIPT)}'; style-src '${sha256(STYLE)}'; img-src 'none'; base-uri 'none'; form-action 'none'`;

interface MessageData {
  n: number;
  label: string;
  raw: string;
  meta: [string, string][];
}

export function renderHtml(d: Dialogue, opts: HtmlOptions = {}): string {
  const esc = (s: string) => escapeHtml(escapeText(s));
  const name = (e: string | undefined) => (e === undefined ? UNKNOWN_ENTITY : opts.aliases?.get(e) ?? e);
  const entities = ladderColumns(d);
  const col = (e: string | undefined) => entities.indexOf(e ?? UNKNOWN_ENTITY);

  const top = entities.map((e) => escapeText(name(e)));
  const bottom = entities.map((e) => (opts.aliases?.has(e) ? escapeText(e) : ''));
  const usedMarks = new Set<Mark['type']>();
  const usedKinds = new Set<MessageKind>();
  const plans = d.messages.map((m) => {
    const marks = messageMarks(m);
    for (const k of marks) usedMarks.add(k.type);
    const kind = messageKind(m.chunk);
    if (!isAnnotation(m)) usedKinds.add(kind);
    const base = escapeText(isAnnotation(m) ? m.chunk.label ?? m.chunk.raw.join(' | ') : shortLabel(m));
    const markStr = marks.map((k) => markText(k)).join(' ');
    const full = markStr ? `${base} ${markStr}` : base;
    const a = col(m.src), b = col(m.dst);
    return { m, marks, kind, full, markStr, base, annotation: isAnnotation(m), lo: Math.min(a, b), hi: Math.max(a, b), rightward: a <= b };
  });
  const spans: LabelSpan[] = plans.filter((p) => !p.annotation)
    .map((p) => ({ lo: p.lo, hi: p.hi, width: Math.min(LABEL_CAP, displayWidth(p.full)) }));
  const layout = layoutColumns(entities.map((_, i) => Math.min(40, Math.max(displayWidth(top[i]!), displayWidth(bottom[i]!)))), spans, 2);
  const xs = lifelines(layout).map((x) => (x + MARGIN_CELLS) * CELL);
  const lastX = xs[xs.length - 1]!;
  // reduce, not Math.max(...): a Call-ID kept for weeks (keepalives) can have 10^5 messages.
  const annotationWidth = plans.reduce((w, p) => (p.annotation ? Math.max(w, Math.min(100, displayWidth(p.full)) + 4) : w), 0);
  const width = Math.ceil(Math.max(lastX + (layout.tail + 2) * CELL, xs[0]! + annotationWidth * CELL) + 8);
  const height = HEAD + plans.length * ROW + 16;

  const svg: string[] = [];
  svg.push(`<svg xmlns="http://www.w3.org/2000/svg" id="ladder" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="group" aria-label="ladder diagram">`);
  entities.forEach((_, i) => {
    const x = xs[i]!.toFixed(1);
    svg.push(`<text class="name" x="${x}" y="18" text-anchor="middle">${escapeHtml(truncate(top[i]!, 40))}<title>${escapeHtml(top[i]!)}</title></text>`);
    if (bottom[i]) svg.push(`<text class="addr" x="${x}" y="34" text-anchor="middle">${escapeHtml(bottom[i]!)}</text>`);
    svg.push(`<line class="life" x1="${x}" y1="${HEAD - 8}" x2="${x}" y2="${height - 8}"/>`);
  });
  let prev: bigint | undefined;
  const data: MessageData[] = [];
  plans.forEach((p, i) => {
    const m = p.m;
    const y = HEAD + i * ROW;
    const iso = toIso(m.time);
    const delta = prev === undefined ? '' : formatDelta(m.time - prev);
    prev = m.time;
    const cls = `msg k-${p.kind}${p.annotation ? ' ann' : ''}${m.retransmissionOf !== undefined ? ' retx' : ''}`;
    const fromTo = p.annotation ? 'log line' : `from ${name(m.src)} to ${name(m.dst)}`;
    svg.push(`<g class="${cls}" tabindex="0" role="button" data-i="${i}" aria-label="${esc(`#${m.index + 1} ${p.full}, ${fromTo}`)}">`);
    svg.push(`<title>${esc(`#${m.index + 1} ${m.chunk.label ?? p.base}`)}</title>`);
    svg.push(`<rect class="hit" x="1" y="${y}" width="${width - 2}" height="${ROW}" rx="3"/>`);
    svg.push(`<text class="t" x="6" y="${y + 15}">${escapeHtml(`#${m.index + 1} ${iso.slice(11, 26)}`)}</text>`);
    if (delta) svg.push(`<text class="d" x="${(MARGIN_CELLS - 3) * CELL}" y="${y + 30}" text-anchor="end">${escapeHtml(delta)}</text>`);
    const ay = y + 25;
    if (p.annotation) {
      svg.push(`<line class="shaft" x1="${xs[0]!.toFixed(1)}" y1="${ay}" x2="${Math.max(lastX, xs[0]! + annotationWidth * CELL).toFixed(1)}" y2="${ay}"/>`);
      svg.push(`<text class="lbl" x="${(xs[0]! + 2 * CELL).toFixed(1)}" y="${y + 18}">${escapeHtml(truncate(p.full, 100))}</text>`);
    } else if (p.lo === p.hi) {
      const x = xs[p.lo]!;
      const loop = (SELF_LOOP - 1) * CELL;
      svg.push(`<path class="shaft" d="M${x.toFixed(1)} ${ay - 10} h${loop.toFixed(1)} v10 h${(-loop + 7).toFixed(1)}"/>`);
      svg.push(`<polygon class="head" points="${x.toFixed(1)},${ay} ${(x + 8).toFixed(1)},${ay - 4} ${(x + 8).toFixed(1)},${ay + 4}"/>`);
      svg.push(`<text class="lbl" x="${(x + SELF_LOOP * CELL).toFixed(1)}" y="${y + 18}">${escapeHtml(truncate(p.full, LABEL_CAP))}</text>`);
    } else {
      const x0 = xs[p.lo]!, x1 = xs[p.hi]!;
      const [from, to] = p.rightward ? [x0, x1] : [x1, x0];
      const dir = p.rightward ? 1 : -1;
      svg.push(`<line class="shaft" x1="${from.toFixed(1)}" y1="${ay}" x2="${(to - dir * 8).toFixed(1)}" y2="${ay}"/>`);
      svg.push(`<polygon class="head" points="${to.toFixed(1)},${ay} ${(to - dir * 9).toFixed(1)},${ay - 4.5} ${(to - dir * 9).toFixed(1)},${ay + 4.5}"/>`);
      const room = Math.floor((x1 - x0) / CELL) - 2 * layout.pad;
      let label = p.full;
      if (displayWidth(label) > room) {
        label = p.markStr && displayWidth(p.markStr) + 5 <= room
          ? `${truncate(p.base, room - displayWidth(p.markStr) - 1)} ${p.markStr}` : truncate(label, Math.max(1, room));
      }
      svg.push(`<text class="lbl" x="${((x0 + x1) / 2).toFixed(1)}" y="${y + 18}" text-anchor="middle">${escapeHtml(label)}</text>`);
    }
    svg.push('</g>');
    data.push({
      n: m.index + 1,
      label: escapeText(m.chunk.label ?? p.base),
      raw: m.chunk.raw.map((l) => escapeText(l)).join('\n'),
      meta: [
        ['time', iso],
        ...(delta ? [['delta', delta] as [string, string]] : []),
        ['from', p.annotation ? '' : escapeText(name(m.src) + (opts.aliases?.has(m.src ?? '') ? ` (${m.src})` : ''))],
        ['to', p.annotation ? '' : escapeText(name(m.dst) + (opts.aliases?.has(m.dst ?? '') ? ` (${m.dst})` : ''))],
        ['call-id', escapeText(m.chunk['call-id'] ?? '?')],
        ['kind', p.annotation ? 'Kamailio log line' : KIND_NAMES[p.kind] + (m.chunk.kind === 'log' ? ', from a Kamailio log' : '')],
        ...m.observations.map((o) => ['seen by', `${escapeText(o.parser)} at ${toIso(BigInt(o.ts))} (its clock)`] as [string, string]),
        ...p.marks.filter((k) => k.type !== 'seen' && k.type !== 'log').map((k) => ['mark', escapeText(markDescription(k))] as [string, string]),
      ],
    });
  });
  svg.push('</svg>');

  const callIds = d.callIds.length ? d.callIds : [...new Set(d.messages.map((m) => m.chunk['call-id']).filter((x): x is string => !!x))];
  const title = opts.title ?? `call-inspector: ${callIds.join(', ') || 'dialogue'}`;
  const legend = (Object.keys(KIND_NAMES) as MessageKind[]).filter((k) => usedKinds.has(k))
    .map((k) => `<li><span class="sw k-${k}"></span>${escapeHtml(KIND_NAMES[k])}</li>`);
  const markLines = markLegend(usedMarks).map((l) => `<li>${esc(l)}</li>`);
  const clocks = d.clocks.length
    ? d.clocks.map((k) => `<tr><td>${esc(k.parser)}</td><td class="num">${escapeHtml(formatDelta(k.offset))}</td><td>${escapeHtml(k.method)}</td><td class="num">${k.support}</td><td class="num">${k.chunks}</td></tr>`)
    : [...new Set(d.messages.flatMap((m) => capturePoints(m)))].map((p) => `<tr><td>${esc(p)}</td><td class="num">?</td><td>none</td><td class="num">0</td><td class="num"></td></tr>`);
  const notes = [...d.notes.map((n) => esc(n)), ...d.messages.filter((m) => m.note).map((m) => esc(`#${m.index + 1}: ${m.note}`))];

  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${escapeHtml(CSP)}">`,
    '<meta name="referrer" content="no-referrer">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${esc(title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head><body>',
    `<header><h1>${esc(title)}</h1><p>${d.messages.length} message${d.messages.length === 1 ? '' : 's'}, ${entities.length} entit${entities.length === 1 ? 'y' : 'ies'}; times in UTC on the common timeline${d.messages.length ? `, from ${escapeHtml(toIso(d.messages[0]!.time))}` : ''}. Click an arrow (or Tab to it and press Enter) to see the message.</p></header>`,
    '<div class="wrap">',
    `<div class="ladder">${svg.join('\n')}</div>`,
    '<aside id="panel" aria-live="polite"><h2 id="p-title">No message selected</h2><dl id="p-meta"></dl><pre id="p-raw"></pre></aside>',
    '</div>',
    '<section class="info">',
    `<h2>Legend</h2><ul>${legend.join('')}</ul>${markLines.length ? `<ul>${markLines.join('')}</ul>` : ''}`,
    '<h2>Capture points</h2><table><thead><tr><th>capture point</th><th>clock offset</th><th>method</th><th>support</th><th>chunks</th></tr></thead>',
    `<tbody>${clocks.join('')}</tbody></table>`,
    d.duplicatesDropped > 0 ? `<p>${d.duplicatesDropped} capture duplicate${d.duplicatesDropped === 1 ? '' : 's'} dropped.</p>` : '',
    notes.length ? `<h2>Notes</h2><ul>${notes.map((n) => `<li>${n}</li>`).join('')}</ul>` : '',
    '</section>',
    `<script type="application/json" id="ci-data">${jsonForScript({ messages: data })}</script>`,
    `<script>${SCRIPT}</script>`,
    '</body></html>',
    '',
  ].join('\n');
}
