// The table shows the same marks as the ladder (render/marks.ts) and escapes SIP text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderTable } from '../src/render/table.js';
import { loadColors } from '../src/cli/output.js';
import { sampleDialogue, PROXY } from './helpers/dialogue.js';

const ESC = String.fromCharCode(27);

test('table rows carry the ladder marks', () => {
  const out = renderTable(sampleDialogue(), { color: false, aliases: new Map([[PROXY, 'kamailio']]) });
  for (const mark of [
    '×2: seen by 2 capture points', 'retransmission of #3', 'flag: truncated', 'from a Kamailio log',
    'order: no destination address; placed by time',
  ]) assert.ok(out.includes(mark), mark);
  assert.ok(out.includes('kamailio'), 'aliases apply');
  assert.match(out, /│ pcap-proxy\s+│ -1\.500s\s+│ 1\s+│ shared/);
  assert.ok(out.includes('note: pcap-proxy aligned to pcap-ua on 1 shared message'));
  assert.ok(out.includes('1 capture duplicate dropped'));
  assert.ok(!out.includes(ESC));
});

test('table: terminal escapes from headers are shown, not sent; colour only when enabled', async () => {
  const d = sampleDialogue();
  d.messages[1]!.chunk = { ...d.messages[1]!.chunk, label: 'SIP/2.0 100 \u001b]0;owned\u0007Trying', c_seq: '1 \u001b[2JINVITE' };
  const out = renderTable(d, { color: false });
  assert.ok(!out.includes(ESC) && !out.includes('\u0007'));
  assert.ok(out.includes('\\x1b]0;owned\\x07Trying') && out.includes('\\x1b[2JINVITE'));
  await loadColors(true);
  assert.ok(renderTable(d, { color: true }).includes(`${ESC}[36m`));
});
