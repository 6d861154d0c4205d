import { test } from 'node:test';
import assert from 'node:assert/strict';
import { headerParam, headerValue, headerValues, looksLikeSip, parseCSeq, parseSipMessage, parseVia } from '../src/sip/message.js';
import { chunkFromSip, contentHash } from '../src/sip/chunk-builder.js';

const INVITE = [
  'INVITE sip:bob@example.com SIP/2.0',
  'v: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK776asdhds;rport',
  'Via: SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bKold, SIP/2.0/TCP 10.0.0.3;branch=z9hG4bK3',
  'Max-Forwards: 70',
  'To: Bob <sip:bob@example.com>',
  'f: "Alice, A." <sip:alice@example.com>;tag=1928301774',
  'i: a84b4c76e66710@pc33.example.com',
  'CSeq: 314159 INVITE',
  'Subject: folded',
  '  continuation line',
  'c: application/sdp',
  'l: 10',
  '',
  'v=0\r\no=x\r\nEXTRA',
].join('\r\n');

test('compact forms, folding, multi-valued headers, Content-Length in bytes', () => {
  const m = parseSipMessage(Buffer.from(INVITE));
  assert.equal(m.kind, 'request');
  assert.equal(m.method, 'INVITE');
  assert.equal(m.requestUri, 'sip:bob@example.com');
  assert.equal(headerValue(m, 'Call-ID'), 'a84b4c76e66710@pc33.example.com');
  assert.equal(headerValue(m, 'subject'), 'folded continuation line');
  assert.deepEqual(headerValues(m, 'via').length, 3);
  assert.equal(headerParam(headerValue(m, 'from'), 'tag'), '1928301774');
  assert.equal(m.body.toString(), 'v=0\r\no=x\r\n');
  assert.ok(m.flags.includes('extra-bytes'));
  assert.deepEqual(m.lines.slice(-3), ['', 'v=0', 'o=x']);
  assert.deepEqual(parseCSeq(headerValue(m, 'cseq')), { num: 314159, method: 'INVITE' });
  assert.deepEqual(parseVia(headerValues(m, 'via')[0]!)?.branch, 'z9hG4bK776asdhds');
});

test('bare LF, bad Content-Length, truncated body and no start line are flagged, not thrown', () => {
  const lf = parseSipMessage(Buffer.from('SIP/2.0 200 OK\nCall-ID: x\nContent-Length: 5\n\nab'));
  assert.equal(lf.status, 200);
  assert.equal(lf.reason, 'OK');
  assert.ok(lf.flags.includes('truncated-body'));
  const bad = parseSipMessage(Buffer.from('OPTIONS sip:a SIP/2.0\r\nContent-Length: bad\r\n\r\n'));
  assert.ok(bad.flags.includes('bad-content-length'));
  const junk = parseSipMessage(Buffer.from([0, 0, 0, 0]));
  assert.equal(junk.kind, 'unknown');
  assert.ok(junk.flags.includes('no-start-line'));
  assert.equal(looksLikeSip(Buffer.from([0, 0, 0, 0])), false);
  assert.equal(looksLikeSip(Buffer.from('\r\nREGISTER sip:x SIP/2.0\r\n')), true);
  assert.equal(looksLikeSip(Buffer.from('GET / HTTP/1.1\r\n')), false);
});

test('a chunk from a message carries the original keys and ours', () => {
  const c = chunkFromSip(Buffer.from(INVITE), {
    parser: '/tmp/x.pcap', nodeTime: 1433985477881790000n, src: { host: '10.0.0.1', port: 5060 }, dst: { host: '::1', port: 5060 },
  });
  assert.equal(c['call-id'], 'a84b4c76e66710@pc33.example.com');
  assert.equal(c.label, 'INVITE sip:bob@example.com SIP/2.0');
  assert.equal(c.c_seq, '314159 INVITE');
  assert.equal(c.src, '10.0.0.1:5060');
  assert.equal(c.dst, '[::1]:5060');
  assert.equal(c.ref_timestamp, '63601204677.88179');
  assert.equal(c.branch, 'z9hG4bK776asdhds');
  assert.equal(c.from_tag, '1928301774');
  assert.equal(c.transport, 'udp');
  // The hash ignores line ends and trace headers.
  const bodiless = INVITE.slice(0, INVITE.indexOf('c: application/sdp')) + 'l: 0\r\n\r\n';
  const lf = parseSipMessage(Buffer.from(bodiless.replace(/\r\n/g, '\n').replace('Max-Forwards: 70', 'Max-Forwards: 70\nX-Siptrace-Fromip: udp:1.2.3.4:5060')));
  assert.equal(contentHash(lf), contentHash(parseSipMessage(Buffer.from(bodiless))));
  assert.notEqual(contentHash(lf), contentHash(parseSipMessage(Buffer.from(INVITE))));
});

test('header names that are Object properties are plain names', () => {
  const msg = parseSipMessage(Buffer.from('OPTIONS sip:a@b SIP/2.0\r\nconstructor: x\r\n__proto__: y\r\nCall-ID: c1\r\n\r\n'));
  assert.deepEqual(msg.headers.map((h) => h.key), ['constructor', '__proto__', 'call-id']);
  assert.equal(headerValue(msg, 'constructor'), 'x');
});
