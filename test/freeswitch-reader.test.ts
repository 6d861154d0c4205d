// The FreeSWITCH siptrace reader on hand-written strings: each layout of FORMATS.md §8.2 and
// each trap of §8.3 (and KAZOO.md §8 items 34-40).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { currentBlock, DASHES, indentedBlock, INVITE, NODE, runFs, sipMessage, TRYING } from './freeswitch-helpers.js';

const INV = currentBlock('recv', INVITE, '10.0.0.1:5060', '10:00:00.100000');
const TRY = currentBlock('send', TRYING, '10.0.0.1:5060', '10:00:00.200000');
const LOG = '2021-04-02 10:00:00.000001 [DEBUG] sofia.c:100 something\n';

test('current layout: one dash line, no indent, no closing line; CRLF rebuild equals the captured packet', async () => {
  const { chunks, skips, checkpoint } = await runFs(LOG + INV + TRY, { nodeAddress: NODE });
  assert.equal(chunks.length, 2);
  const [inv, tr] = chunks;
  assert.equal(inv!.label, 'INVITE sip:2000@10.0.0.2 SIP/2.0');
  assert.equal(inv!['call-id'], 'unit-1@10.0.0.1');
  assert.equal(inv!.src, '10.0.0.1:5060');
  assert.equal(inv!.dst, '10.0.0.2:5060');
  assert.equal(tr!.src, '10.0.0.2:5060');
  assert.equal(tr!.dst, '10.0.0.1:5060');
  assert.equal(inv!.transport, 'udp');
  assert.equal(inv!.c_seq, '1 INVITE');
  assert.deepEqual(inv!.raw, INVITE.replace(/\r\n$/, '').split('\r\n'));
  assert.ok(inv!.raw.includes(''), 'the blank header/body line is kept');
  assert.equal(inv!.flags, undefined);
  assert.equal(tr!.flags, undefined);
  assert.equal(inv!.time, '2021-04-02T10:00:00.100000Z');
  assert.equal(inv!.ts, inv!.ref_ts);
  assert.deepEqual(inv!.source, { offset: LOG.length, line: 2 });
  assert.deepEqual(skips, {});
  assert.equal(checkpoint!.offset, (LOG + INV + TRY).length);
});

test('old indented layout: 3-space indent removed only, body keeps its own spaces, closing dashes end it', async () => {
  const art = sipMessage('BYE sip:2000@10.0.0.2 SIP/2.0', ['Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-2', 'Call-ID: unit-2@x', 'CSeq: 2 BYE', 'Content-Type: text/plain'], '   .--.\r\n  /  ..\\\r\n');
  const text = indentedBlock('recv', art, '10.0.0.1:5060', '10:00:01.000000') + 'random console text\n' + indentedBlock('send', TRYING, '10.0.0.1:5060', '10:00:02.000000');
  const { chunks, skips } = await runFs(text, { nodeAddress: NODE, date: '2021-04-02' });
  assert.equal(chunks.length, 2);
  assert.deepEqual(chunks[0]!.raw.slice(-3), ['', '   .--.', '  /  ..\\']);
  assert.equal(chunks[0]!.flags, undefined, 'N matches the rebuilt size');
  assert.equal(chunks[1]!.label, 'SIP/2.0 100 Trying');
  assert.deepEqual(skips, {});
});

test('interleaved lines directly after a body (no blank line): log line, sofia-sip debug line, a glued console line', async () => {
  for (const after of [LOG, 'nta.c:8310 outgoing_send() nta: sent ACK\n', 'nua_session.c:4149 signal_call_state_change() x\n']) {
    const { chunks } = await runFs(INV + after, { nodeAddress: NODE, date: '2021-04-02' });
    assert.equal(chunks.length, 1);
    assert.equal(chunks[0]!.raw.at(-1), 'm=audio 4000 RTP/AVP 0');
    assert.equal(chunks[0]!.flags, undefined);
  }
  const glued = INV.replace(/\n$/, '') + '2021-04-02 10:00:00.099000 [NOTICE] switch_channel.c:1118 New Channel\n';
  const { chunks } = await runFs(glued, { nodeAddress: NODE });
  assert.equal(chunks.length, 1);
  assert.equal(chunks[0]!.raw.at(-1), 'm=audio 4000 RTP/AVP 0');
  // Dated from the glued line although it comes after the stamp (and is earlier in time).
  assert.equal(chunks[0]!.time, '2021-04-02T10:00:00.100000Z');
});

test('the body is cut by Content-Length; never split on ":  " (SIPp writes "Content-Length:   N")', async () => {
  const msg = 'OPTIONS sip:10.0.0.2 SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-3\r\nCall-ID: unit-3@x\r\nCSeq: 3 OPTIONS\r\nSubject:  two  spaces\r\nContent-Length:   5\r\n\r\nhello';
  const text = currentBlock('recv', msg + '\r\n', '10.0.0.1:5060', '10:00:00.000000').replace(/^recv \d+/, `recv ${msg.length}`) + '+OK log level 4 [4]\n';
  const { chunks } = await runFs(text, { nodeAddress: NODE, date: '2021-04-02' });
  assert.equal(chunks.length, 1);
  assert.deepEqual(chunks[0]!.raw.slice(4), ['Subject:  two  spaces', 'Content-Length:   5', '', 'hello']);
  assert.deepEqual(chunks[0]!.flags, ['extra-bytes']);
});

test('no Content-Length: the stamp byte count N gives the body; a wrong N is flagged, never rejected', async () => {
  const msg = 'MESSAGE sip:10.0.0.2 SIP/2.0\r\nCall-ID: unit-4@x\r\nCSeq: 1 MESSAGE\r\n\r\nabc\r\n';
  const noCl = `recv ${msg.length - 2} bytes from udp/[10.0.0.1]:5060 at 10:00:00.000000:\n${DASHES}\n${msg.replace(/\r\n/g, '\n')}\n`;
  let r = await runFs(noCl, { nodeAddress: NODE, date: '2021-04-02' });
  assert.deepEqual(r.chunks[0]!.raw.slice(-2), ['', 'abc']);
  assert.equal(r.chunks[0]!.flags, undefined);
  r = await runFs(INV.replace(/^recv (\d+)/, (_, n: string) => `recv ${Number(n) + 3}`), { nodeAddress: NODE, date: '2021-04-02' });
  assert.equal(r.chunks.length, 1);
  assert.deepEqual(r.chunks[0]!.flags, ['byte-count-mismatch']);
});

test('cut blocks: a file starting mid-message is a counted skip; a block cut at EOF is emitted flagged and re-read next time', async () => {
  const tail = INV.split('\n').slice(5).join('\n');
  const cut = INV.split('\n').slice(0, 8).join('\n') + '\n';
  const text = tail + LOG + TRY + cut;
  const r = await runFs(text, { nodeAddress: NODE });
  assert.deepEqual(r.skips, { 'message cut at the start of the input': 1 });
  assert.equal(r.chunks.length, 2);
  assert.equal(r.chunks[1]!['call-id'], 'unit-1@10.0.0.1');
  assert.ok(r.chunks[1]!.flags!.includes('truncated'));
  const cutAt = (tail + LOG + TRY).length;
  assert.equal(r.chunks[1]!.source!.offset, cutAt);
  assert.equal(r.checkpoint!.offset, cutAt, 'the next ingest starts at the cut block');
  // A short dash line and nothing else: nothing to store, still re-read next time.
  const short = await runFs(TRY + 'recv 411 bytes from udp/[10.0.0.1]:5060 at 10:00:01.000000:\n' + '-'.repeat(25) + '\n', { date: '2021-04-02', nodeAddress: NODE });
  assert.equal(short.chunks.length, 1);
  assert.deepEqual(short.skips, { 'block cut at the end of the input before its first line': 1 });
  assert.equal(short.checkpoint!.offset, TRY.length);
  // Resuming there with the checkpoint context reads the completed block.
  const grown = TRY + INV;
  const again = await runFs(Buffer.from(grown, 'latin1').subarray(TRY.length), { nodeAddress: NODE, startOffset: TRY.length, resumeContext: short.checkpoint!.context });
  assert.equal(again.chunks.length, 1);
  assert.equal(again.chunks[0]!.time, '2021-04-02T10:00:00.100000Z');
  assert.deepEqual(again.chunks[0]!.source, { offset: TRY.length, line: TRY.split('\n').length });
});

test('line prefixes: Call-ID prefix (sipify), "1-> " counter, fs_cli prompt ending a block, ANSI colours', async () => {
  const p = 'unit-1@10.0.0.1 ';
  const prefixed = indentedBlock('recv', INVITE, '10.0.0.1:5060', '10:00:00.100000').split('\n').map((l) => (l ? p + l : l)).join('\n');
  let r = await runFs(prefixed, { nodeAddress: NODE, date: '2021-04-02' });
  assert.equal(r.chunks.length, 1);
  assert.equal(r.chunks[0]!.label, 'INVITE sip:2000@10.0.0.2 SIP/2.0');
  assert.equal(r.chunks[0]!.flags, undefined);
  r = await runFs('1-> ' + INV + LOG, { nodeAddress: NODE });
  assert.equal(r.chunks.length, 1);
  assert.equal(r.chunks[0]!.flags, undefined);
  const noBlank = TRY.replace(/\n\n$/, '\n');
  r = await runFs(`freeswitch@host> sofia global siptrace on\n\x1b[32m${noBlank}freeswitch@host> \n`, { nodeAddress: NODE, date: '2021-04-02' });
  assert.equal(r.chunks.length, 1);
  assert.equal(r.chunks[0]!.flags, undefined, 'the prompt ends it; the missing blank line is restored (N confirms)');
  assert.equal(r.chunks[0]!.source!.offset, 'freeswitch@host> sofia global siptrace on\n'.length);
});

test('binary garbage is a counted skip; the blocks around it still yield', async () => {
  const text = INV + 'PK\x03\x04\x00\x00garbage\n\x00\x01\x02\n' + TRY;
  const r = await runFs(text, { nodeAddress: NODE, date: '2021-04-02' });
  assert.equal(r.chunks.length, 2);
  assert.deepEqual(r.skips, { 'binary data': 2 });
  assert.equal(r.chunks[0]!.flags, undefined);
});

test('bounded memory: a block over 256 kB is skipped and counted, the next block still yields', async () => {
  const big = `recv 999999 bytes from udp/[10.0.0.1]:5060 at 10:00:00.000000:\n${DASHES}\nMESSAGE sip:x SIP/2.0\nCall-ID: big\nContent-Length: 300000\n\n` + ('x'.repeat(99) + '\n').repeat(3000);
  const r = await runFs(big + TRY, { nodeAddress: NODE, date: '2021-04-02' });
  assert.deepEqual(r.skips, { 'block larger than 256 kB': 1 });
  assert.equal(r.chunks.length, 1);
  assert.equal(r.chunks[0]!.label, 'SIP/2.0 100 Trying');
});

test('midnight: a big backwards jump of the time of day adds a day; dates from the preceding log line or --date', async () => {
  const text = '2021-04-02 23:59:59.000000 [INFO] x.c:1 y\n'
    + currentBlock('recv', INVITE, '10.0.0.1:5060', '23:59:59.900000')
    + currentBlock('send', TRYING, '10.0.0.1:5060', '00:00:00.100000')
    + currentBlock('send', TRYING, '10.0.0.1:5060', '00:00:00.050000'); // out of order by 50 ms: same day
  let r = await runFs(text, { nodeAddress: NODE, date: '2030-01-01' });
  assert.deepEqual(r.chunks.map((c) => c.time), ['2021-04-02T23:59:59.900000Z', '2021-04-03T00:00:00.100000Z', '2021-04-03T00:00:00.050000Z']);
  r = await runFs(text.slice(text.indexOf('\n') + 1), { nodeAddress: NODE, date: '2021-04-02' });
  assert.deepEqual(r.chunks.map((c) => c.time.slice(0, 10)), ['2021-04-02', '2021-04-03', '2021-04-03']);
  // Without any date: the file's modification date, flagged.
  r = await runFs(INV, { nodeAddress: NODE, fileMtime: new Date('2022-07-08T10:00:00Z') });
  assert.equal(r.chunks[0]!.time, '2022-07-08T10:00:00.100000Z');
  assert.deepEqual(r.chunks[0]!.flags, ['date-guessed']);
  // A zone offset: local 10:00 at +02:00 is 08:00 UTC.
  r = await runFs(INV, { nodeAddress: NODE, date: '2021-04-02', utcOffsetMinutes: 120 });
  assert.equal(r.chunks[0]!.time, '2021-04-02T08:00:00.100000Z');
});

test('addresses without --node-address: the local side from Request-URI / Via / Contact, else undefined and flagged', async () => {
  const r = await runFs(INV + TRY, { date: '2021-04-02' });
  assert.equal(r.chunks[0]!.dst, '10.0.0.2:5060');
  assert.deepEqual(r.chunks[0]!.flags, ['local-address-inferred']);
  assert.equal(r.chunks[1]!.src, undefined);
  assert.equal(r.chunks[1]!.dst, '10.0.0.1:5060');
  assert.deepEqual(r.chunks[1]!.flags, ['local-address-unknown']);
});

test('IPv6 peers with /flowinfo, ;comp=sigcomp, every transport token', async () => {
  let text = '';
  const protos = ['udp', 'tcp', 'tls', 'ws', 'wss', 'sctp'];
  for (const [i, proto] of protos.entries()) {
    text += currentBlock('recv', TRYING, `2001:DB8:0:0:0:0:0:${i + 1}:5070`, `10:00:0${i}.000000`, proto)
      .replace(']:5070', i === 0 ? ']:5070/12' : i === 1 ? ']:5070;comp=sigcomp' : ']:5070');
  }
  const r = await runFs(text, { nodeAddress: { host: '2001:db8::ff', port: 5060 }, date: '2021-04-02' });
  assert.deepEqual(r.chunks.map((c) => c.transport), protos);
  assert.equal(r.chunks[0]!.src, '[2001:db8::1]:5070');
  assert.equal(r.chunks[0]!.dst, '[2001:db8::ff]:5060');
  assert.deepEqual(r.chunks[1]!.flags, ['sigcomp']);
});

test('CRLF log files and stream piece boundaries give the same chunks with exact offsets', async () => {
  const text = LOG + INV + TRY;
  const base = await runFs(text, { nodeAddress: NODE });
  const crlf = text.replace(/\n/g, '\r\n');
  const r = await runFs(crlf, { nodeAddress: NODE, pieceSize: 7 });
  assert.deepEqual(r.chunks.map((c) => c.raw), base.chunks.map((c) => c.raw));
  assert.deepEqual(r.chunks.map((c) => c.flags), base.chunks.map((c) => c.flags));
  assert.equal(r.chunks[1]!.source!.offset, crlf.indexOf('send '));
  assert.equal(r.checkpoint!.offset, crlf.length);
});
