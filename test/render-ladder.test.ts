// The terminal ladder: exact ASCII output of a hand-built dialogue, Unicode glyphs, width
// fitting, aliases, --raw with escaping, colours only when asked for, and NO_COLOR through the CLI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderLadder } from '../src/render/ladder.js';
import { loadColors } from '../src/cli/output.js';
import { displayWidth, escapeText, truncate } from '../src/render/text-width.js';
import { chunkToJson } from '../src/model/chunk.js';
import { sampleDialogue, PROXY, UA } from './helpers/dialogue.js';
import { runCli, tempDir, tempStore } from './helpers/cli.js';

const aliases = new Map([[PROXY, 'kamailio']]);
const ESC = String.fromCharCode(27);
/** The diagram: every line before the footer's blank line. */
const diagram = (out: string) => out.slice(0, out.indexOf('\n\n')).split('\n');
/** Lines that draw an arrow head (a self-arrow's head is on its second line). */
const arrowCount = (lines: string[]) => lines.filter((l) => /[▶◀]|->|<-|\|<'/.test(l)).length;

const EXPECTED_ASCII_100 = `2023-11-14 UTC        10.0.0.1:5060           kamailio               10.0.0.3:5060               ?
                                            10.0.0.2:5060
                            |                     |                        |                     |
 #1 22:13:20.000400         | INVITE sip:bob@~ x2 |                        |                     |
                            |-------------------->|                        |                     |
 #2 22:13:20.001000         |     100 Trying      |                        |                     |
           +0.600ms         |<--------------------|                        |                     |
 #3 22:13:20.002000         |                     | INVITE sip:bob@10.0.0~ |                     |
           +1.000ms         |                     |----------------------->|                     |
 #4 22:13:20.502000         |                     | INVITE sip:bo~ retx #3 |                     |
           +500.0ms         |                     |----------------------->|                     |
 #5 22:13:20.510000         |                     |      180 Ringing       |                     |
           +8.000ms         |                     |<-----------------------|                     |
 #6 22:13:20.511000         |     180 Ringing     |                        |                     |
           +1.000ms         |<--------------------|                        |                     |
 #7 22:13:20.600000         | .. routing to contact sip:bob@10.0.0.3:5060 (log)                  |
            +89.0ms         |                     |                        |                     |
 #8 22:13:22.500000         |                     | 200 OK (SD~ !truncated |                     |
            +1.900s         |                     |<-----------------------|                     |
 #9 22:13:22.501000         |    200 OK (SDP)     |                        |                     |
           +1.000ms         |<--------------------|                        |                     |
#10 22:13:22.600000         | ACK sip:bob@10.0.0~ |                        |                     |
            +99.0ms         |-------------------->|                        |                     |
#11 22:13:23.500000         |                     |-. OPTIONS sip:10.0.0~  |                     |
           +900.0ms         |                     |<'                      |                     |
#12 22:13:23.600000         | 407 Proxy Au~ (log) |                        |                     |
           +100.0ms         |<--------------------|                        |                     |
#13 22:14:23.500000         |                     |                        | BYE sip:alice@10~ * |
           +59.900s         |                     |                        |-------------------->|

capture points (clock offset to the common timeline, method, support, chunks)
     +0.000ms  reference  support   0     2 chunks  pcap-ua
      -1.500s  shared     support   1    10 chunks  pcap-proxy
     +0.000ms  none       support   0     2 chunks  /var/log/kamailio.log
  1 capture duplicate dropped
notes
  - pcap-proxy aligned to pcap-ua on 1 shared message
  * #13: no destination address; placed by time
marks
  xN  seen by N capture points (merged into one message)
  retx #n  retransmission of message #n
  (log)  a Kamailio log transaction, not a captured packet
  !flag  the capture or the parser flagged the message (truncated, parse problem, ...)
  *  the data could not decide the order: see the notes
`;

test('ASCII ladder, no colour, 100 columns: exact text', () => {
  const out = renderLadder(sampleDialogue(), { color: false, ascii: true, width: 100, aliases });
  assert.equal(out, EXPECTED_ASCII_100);
  assert.match(out, /^[\x0a\x20-\x7e]*$/, 'pure printable ASCII');
});

test('Unicode ladder uses box drawing and keeps the same layout', () => {
  const uni = renderLadder(sampleDialogue(), { color: false, width: 100, aliases });
  const asc = renderLadder(sampleDialogue(), { color: false, ascii: true, width: 100, aliases });
  for (const g of ['│', '─', '▶', '◀', '├─┐', '│◀┘', '┄┄', '×2', '…']) assert.ok(uni.includes(g), `has ${g}`);
  assert.ok(!diagram(uni).join('\n').includes('|'), 'no ASCII lifelines');
  // Same geometry: line for line, the same display width.
  const u = diagram(uni), a = diagram(asc);
  assert.equal(u.length, a.length);
  u.forEach((l, i) => assert.equal(displayWidth(l), displayWidth(a[i]!), `line ${i + 1}`));
});

for (const width of [80, 200]) {
  test(`fits ${width} columns without wrapping an arrow`, () => {
    for (const ascii of [false, true]) {
      const out = renderLadder(sampleDialogue(), { color: false, ascii, width, aliases });
      const lines = diagram(out);
      for (const l of lines) assert.ok(displayWidth(l) <= width, `${displayWidth(l)} > ${width}: ${l}`);
      // One arrow line per arrow message: 11 arrows and 1 self-arrow (the log annotation has none).
      assert.equal(arrowCount(lines), 12);
      const cut = lines.some((l) => l.includes(ascii ? '~' : '…'));
      assert.equal(cut, width === 80, width === 80 ? 'labels cut at 80' : 'nothing cut at 200');
      if (width === 200) assert.ok(out.includes(`INVITE sip:bob@example.com (SDP) ${ascii ? 'x' : '×'}2`));
      // The marks survive the cut.
      assert.ok(lines.some((l) => l.includes('retx #3')));
      assert.ok(lines.some((l) => l.includes('!truncated')));
    }
  });
}

test('a width too small for the entities still draws every arrow on one line each', () => {
  const lines = diagram(renderLadder(sampleDialogue(), { color: false, ascii: true, width: 30 }));
  assert.equal(arrowCount(lines), 12);
});

test('aliases: the name over the lifeline, the address under it', () => {
  const lines = renderLadder(sampleDialogue(), { color: false, width: 120, aliases }).split('\n');
  const nameAt = lines[0]!.indexOf('kamailio');
  const addrAt = lines[1]!.indexOf(PROXY);
  assert.ok(nameAt > 0 && addrAt > 0);
  // Both centred on the proxy's lifeline.
  const life = [...lines[2]!].map((c, i) => (c === '│' ? i : -1)).filter((i) => i >= 0);
  assert.equal(life.length, 4);
  assert.equal(nameAt + 4, life[1]);
  assert.equal(addrAt + 6, life[1]);
  assert.ok(lines[0]!.includes(UA), 'entities without an alias keep their address');
  assert.ok(!lines[1]!.includes(UA));
});

test('--raw prints each message under its arrow, escaped, with its capture points', () => {
  const out = renderLadder(sampleDialogue({ evil: true }), { color: false, width: 120, raw: true, aliases });
  assert.ok(!out.includes(ESC), 'no ESC from a header reaches the terminal');
  assert.ok(out.includes('\\x1b[31mred\\x1b[0m'), 'control characters shown as escapes');
  assert.match(out, /\n {6}Call-ID: a84b4c76e66710@pc33\.example\.com\n/);
  assert.match(out, /# seen by 2 capture points:\n {6}# {3}pcap-ua at 2023-11-14T22:13:20\.000000Z \(its clock\)\n {6}# {3}pcap-proxy at/);
  assert.ok(out.includes('# retransmission of #3'));
  assert.ok(out.includes('# flag: truncated'));
  // The raw block of #1 comes right after #1's arrow and before #2.
  const i1 = out.indexOf('User-Agent:'), a1 = out.indexOf('▶'), l2 = out.indexOf(' #2 ');
  assert.ok(a1 < i1 && i1 < l2);
  // Without --raw, no raw lines.
  assert.ok(!renderLadder(sampleDialogue(), { color: false, width: 120 }).includes('Via:'));
});

test('colours only when enabled, one per kind', async () => {
  await loadColors(true);
  const plain = renderLadder(sampleDialogue(), { color: false, width: 120 });
  assert.ok(!plain.includes(ESC));
  const col = renderLadder(sampleDialogue(), { color: true, width: 120 });
  for (const [kind, code] of [['request', 36], ['1xx', 33], ['2xx', 32], ['failure', 31]] as const) {
    assert.ok(col.includes(`${ESC}[${code}m`), `${kind} colour ${code}`);
  }
  assert.equal(col.replace(/\x1b\[[0-9;]*m/g, ''), plain, 'colour changes nothing else');
});

test('footer: capture points with offsets and support, duplicates, notes, legend', () => {
  const out = renderLadder(sampleDialogue(), { color: false, width: 120 });
  assert.match(out, /-1\.500s {2}shared {5}support {3}1 {4}10 chunks {2}pcap-proxy/);
  assert.ok(out.includes('1 capture duplicate dropped'));
  assert.ok(out.includes('- pcap-proxy aligned to pcap-ua on 1 shared message'));
  assert.ok(out.includes('* #13: no destination address; placed by time'));
  assert.ok(out.includes('retx #n  retransmission of message #n'));
});

test('terminal escaping and truncation helpers', () => {
  assert.equal(escapeText('a\u001b[2Jb\u0007\u202ec'), 'a\\x1b[2Jb\\x07\\u{202e}c');
  assert.equal(escapeText('héllo', true), 'h\\u{e9}llo');
  assert.equal(displayWidth('日本x'), 5);
  assert.equal(displayWidth('e\u0301'), 1);
  assert.equal(truncate('abcdef', 4), 'abc…');
  assert.equal(truncate('日本語', 4), '日…');
  assert.equal(truncate('abc', 3), 'abc');
});

test('CLI: colour with FORCE_COLOR, none with NO_COLOR or when piped', async () => {
  const dir = tempDir();
  const store = tempStore();
  const file = join(dir, 'chunks.json');
  writeFileSync(file, JSON.stringify(sampleDialogue().messages.flatMap((m) => m.observations.map(chunkToJson))));
  const ing = await runCli(['--store', store, 'ingest', '--format', 'chunks', '-q', file]);
  assert.equal(ing.code, 0, ing.stderr);
  const show = ['--store', store, 'show', 'a84b4c76e66710@pc33.example.com', '--width', '100', '--alias', `${PROXY}=kamailio`];
  const forced = await runCli(show, { env: { NO_COLOR: undefined, FORCE_COLOR: '1' } });
  assert.equal(forced.code, 0, forced.stderr);
  assert.ok(forced.stdout.includes(`${ESC}[36m`), 'coloured when forced');
  const noColor = await runCli(show, { env: { NO_COLOR: '1', FORCE_COLOR: '1' } });
  assert.ok(!noColor.stdout.includes(ESC), 'NO_COLOR wins');
  const piped = await runCli(show, { env: { NO_COLOR: undefined, FORCE_COLOR: undefined } });
  assert.ok(!piped.stdout.includes(ESC), 'no colour when stdout is not a TTY');
  assert.equal(noColor.stdout, piped.stdout);
  assert.ok(piped.stdout.includes('kamailio') && piped.stdout.includes('▶'));
  const ascii = await runCli([...show, '--ascii', '--raw']);
  assert.match(ascii.stdout, /^[\x0a\x20-\x7e]*$/);
  assert.ok(ascii.stdout.includes('      CSeq: 1 INVITE'));
});

test('IPv6 entities, double-width characters and an empty dialogue', () => {
  const d = sampleDialogue();
  const v6 = '[2001:db8::1]:5060';
  for (const m of d.messages) {
    if (m.src === UA) m.src = v6;
    if (m.dst === UA) m.dst = v6;
  }
  d.entities = d.entities.map((e) => (e === UA ? v6 : e));
  d.messages[0]!.chunk = { ...d.messages[0]!.chunk, label: 'INVITE sip:日本語の利用者@example.com SIP/2.0' };
  for (const width of [60, 80, 200]) {
    const lines = diagram(renderLadder(d, { color: false, width }));
    for (const l of lines) assert.ok(displayWidth(l) <= width, `${width}: ${l}`);
    if (width >= 80) assert.ok(lines[0]!.includes(v6), `${width}: the address whole`);
    assert.equal(arrowCount(lines), 12);
  }
  assert.ok(renderLadder(d, { color: false, width: 200 }).includes('INVITE sip:日本語の利用者@example.com (SDP) ×2'));
  const empty = renderLadder({ ...d, messages: [], entities: [], clocks: [], notes: [], duplicatesDropped: 0 }, { color: false });
  assert.match(empty, /^time \(UTC\)/);
});
