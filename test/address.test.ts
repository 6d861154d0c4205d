import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalHost, formatEndpoint, formatIpv6Bytes, parseEndpoint } from '../src/model/address.js';

test('IPv6 is canonical (RFC 5952) and bracketed in ip:port', () => {
  assert.equal(canonicalHost('2001:DB8:0:0:0:0:0:1'), '2001:db8::1');
  assert.equal(canonicalHost('fe80:0:0:0:21a:a0ff:fe07:32e0'), 'fe80::21a:a0ff:fe07:32e0');
  assert.equal(canonicalHost('2001:db8:0:1:0:0:0:0'), '2001:db8:0:1::');
  assert.equal(canonicalHost('0:0:0:0:0:ffff:192.0.2.1'), '::ffff:192.0.2.1');
  assert.equal(canonicalHost('2001:db8:1:0:1:0:0:1'), '2001:db8:1:0:1::1');
  assert.equal(formatEndpoint({ host: '2001:db8::1', port: 5060 }), '[2001:db8::1]:5060');
  assert.equal(formatEndpoint({ host: '10.0.0.1', port: 5060 }), '10.0.0.1:5060');
  const b = Buffer.from('fd17625cf03700020a0027fffeb91521', 'hex');
  assert.equal(formatIpv6Bytes(b), 'fd17:625c:f037:2:a00:27ff:feb9:1521');
});

test('endpoints parse in every written form', () => {
  assert.deepEqual(parseEndpoint('10.26.0.182:5060'), { host: '10.26.0.182', port: 5060 });
  assert.deepEqual(parseEndpoint('[2001:DB8::1]:5060'), { host: '2001:db8::1', port: 5060 });
  assert.deepEqual(parseEndpoint('2001:db8::1'), { host: '2001:db8::1' });
  assert.deepEqual(parseEndpoint('XX.XX.XX.XXX1'), { host: 'XX.XX.XX.XXX1' });
  assert.equal(parseEndpoint(''), undefined);
  assert.deepEqual(parseEndpoint('host:99999'), { host: 'host' });
});
