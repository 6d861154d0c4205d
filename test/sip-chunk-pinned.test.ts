// Outputs pinned from the implementation before the speed work (byte-identity rule): odd inputs
// through the fast paths (header scan, parameter scanner, member-wise JSON, decimal-text times).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeChunk, timeFields } from '../src/model/chunk.js';
import { toGregorian, toIso } from '../src/model/time.js';
import { chunkFromSip, contentHash } from '../src/sip/chunk-builder.js';
import { firstHeaderValue, headerParam, headerValues, parseSipMessage } from '../src/sip/message.js';
import { storeLine } from '../src/store/store.js';

const ODD = Buffer.from('\r\n  INVITE sip:b@x SIP/2.0\r\nv: SIP/2.0/UDP a;branch=z1\r\nVia: ,, \r\nVIA: SIP/2.0/TCP b ; BRANCH = "q;x" ;received=1.2.3.4\r\n'
  + 'f: "A, \\"B\\"" <sip:a@x;tag=no>;TAG = t1 \r\nt: <sip:b@x>;tag="q2"\r\ni:  id\t with  spaces \r\nSubject: first\r\n\tsecond  part\r\n'
  + 'X-Siptrace-Fromip: udp:1.2.3.4\r\nl: 12\r\n\r\nv=0\r\nü\u00a0 \r\n\r\nextra', 'utf8');

test('an odd message gives the same lines, hash and store line as before', () => {
  const m = parseSipMessage(ODD);
  assert.deepEqual(m.lines, ["INVITE sip:b@x SIP/2.0","v: SIP/2.0/UDP a;branch=z1","Via: ,, ","VIA: SIP/2.0/TCP b ; BRANCH = \"q;x\" ;received=1.2.3.4","f: \"A, \\\"B\\\"\" <sip:a@x;tag=no>;TAG = t1 ","t: <sip:b@x>;tag=\"q2\"","i:  id\t with  spaces ","Subject: first","\tsecond  part","X-Siptrace-Fromip: udp:1.2.3.4","l: 12","","v=0","ü  "]);
  assert.deepEqual(m.flags, ["extra-bytes"]);
  assert.deepEqual(headerValues(m, 'via'), ["SIP/2.0/UDP a;branch=z1","SIP/2.0/TCP b ; BRANCH = \"q;x\" ;received=1.2.3.4"]);
  assert.equal(firstHeaderValue(m, 'via'), "SIP/2.0/UDP a;branch=z1");
  assert.equal(contentHash(m), 'b9c684b4d2343e67');
  const c = chunkFromSip(ODD, { parser: 'p', nodeTime: 1796140008569658123n, src: { host: '::1', port: 5 } });
  assert.equal(storeLine(c), "{\"v\":1,\"call-id\":\"id\\t with  spaces\",\"timestamp\":63963359208.56966,\"ref_timestamp\":\"63963359208.56966\",\"label\":\"INVITE sip:b@x SIP/2.0\",\"raw\":[\"INVITE sip:b@x SIP/2.0\",\"v: SIP/2.0/UDP a;branch=z1\",\"Via: ,, \",\"VIA: SIP/2.0/TCP b ; BRANCH = \\\"q;x\\\" ;received=1.2.3.4\",\"f: \\\"A, \\\\\\\"B\\\\\\\"\\\" <sip:a@x;tag=no>;TAG = t1 \",\"t: <sip:b@x>;tag=\\\"q2\\\"\",\"i:  id\\t with  spaces \",\"Subject: first\",\"\\tsecond  part\",\"X-Siptrace-Fromip: udp:1.2.3.4\",\"l: 12\",\"\",\"v=0\",\"ü  \"],\"src\":\"[::1]:5\",\"parser\":\"p\",\"id\":\"ec2eed26bcbe734b\",\"kind\":\"sip\",\"ts\":\"1796140008569658123\",\"ref_ts\":\"1796140008569658123\",\"time\":\"2026-12-01T15:46:48.569658123Z\",\"ref_time\":\"2026-12-01T15:46:48.569658123Z\",\"transport\":\"udp\",\"method\":\"INVITE\",\"branch\":\"z1\",\"from_tag\":\"t1\",\"to_tag\":\"q2\",\"hash\":\"b9c684b4d2343e67\",\"flags\":[\"extra-bytes\"]}");
});

test('parameters: empty values skipped, quotes, a non-ASCII space where the pattern allows whitespace', () => {
  const values = ['x;tag=', 'x;tag=;tag=ok', 'x; tag =\t"a;b"', 'x;tag="open;rest', '<sip:a;tag=in>;xtag=1;tag=out', 'x;tag=\u00a0v', 'x;\u00a0tag=v'];
  assert.deepEqual(values.map((v) => headerParam(v, 'tag') ?? null), [null,"ok","a;b","open","out","v","v"]);
});

test('times from the decimal text match the division: epoch, negative, year 10000, Date range edge', () => {
  const ts = [0n, -1n, 999n, 1796140008000000000n, 253402300799999999999n, 253402300800000000000n, 8640000000000000000001n];
  assert.deepEqual(ts.map(toIso), ["1970-01-01T00:00:00.000000Z","1969-12-31T23:59:59.999999999Z","1970-01-01T00:00:00.000000999Z","2026-12-01T15:46:48.000000Z","9999-12-31T23:59:59.999999999Z","+010000-01-01T00:00.000000Z","+275760-09-13T00:00.000000001Z"]);
  assert.deepEqual([0n, -1n, 1796140008569658123n].map(toGregorian), [62167219200,62167219200,63963359208.56966]);
  assert.deepEqual(timeFields(1796140008569658000n, 1796140008569658000n), {"timestamp":63963359208.56966,"ref_timestamp":"63963359208.56966","ts":"1796140008569658000","ref_ts":"1796140008569658000","time":"2026-12-01T15:46:48.569658Z","ref_time":"2026-12-01T15:46:48.569658Z"});
});

test('chunk JSON written member by member: empty chunk, escapes, lone surrogate, NaN', () => {
  assert.equal(storeLine({} as never), "{\"v\":1,}");
  assert.equal(encodeChunk({ raw: ['a"b\\', '\u0001\ud800'], flags: [], timestamp: NaN } as never), "{\"timestamp\":null,\"raw\":[\"a\\\"b\\\\\",\"\\u0001\\ud800\"]}");
});
