import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeLink, LINKTYPE } from '../src/capture/link.js';
import { ethernet, ipv4, sll, sll2, u16, u32 } from './helpers/packets.js';

const IP = ipv4('10.0.0.1', '10.0.0.2', Buffer.from('payload'));

function ipOf(r: ReturnType<typeof decodeLink>): Buffer {
  assert.ok('ip' in r, JSON.stringify(r));
  return r.ip;
}

test('Ethernet, and QinQ with three tags (0x88A8, 0x8100, 0x9100): outermost VLAN id kept', () => {
  assert.deepEqual(ipOf(decodeLink(1, ethernet(IP))), IP);
  const tagged = ethernet(IP, 0x0800, [{ tpid: 0x88a8, id: 100 }, { tpid: 0x8100, id: 200 }, { tpid: 0x9100, id: 300 }]);
  const r = decodeLink(1, tagged);
  assert.deepEqual(ipOf(r), IP);
  assert.equal('vlan' in r && r.vlan, 100);
});

test('PPPoE session and MPLS label stacks', () => {
  const pppoe = Buffer.concat([Buffer.from([0x11, 0, 0, 1]), u16(IP.length + 2), u16(0x0021), IP]);
  assert.deepEqual(ipOf(decodeLink(1, ethernet(pppoe, 0x8864))), IP);
  const mpls = Buffer.concat([Buffer.from([0, 1, 0x00, 64]), Buffer.from([0, 2, 0x01, 64]), IP]);
  assert.deepEqual(ipOf(decodeLink(1, ethernet(mpls, 0x8847))), IP);
});

test('802.3 length frames and ARP are counted, not decoded', () => {
  const r = decodeLink(1, ethernet(Buffer.alloc(40), 0x0026));
  assert.deepEqual(r, { skip: 'non-ip frame (802.3 length field)' });
  assert.deepEqual(decodeLink(1, ethernet(Buffer.alloc(28), 0x0806)), { skip: 'non-ip frame (ethertype 0x0806)' });
  assert.deepEqual(decodeLink(1, Buffer.alloc(5)), { skip: 'truncated link header' });
});

test('Linux cooked SLL (113) and SLL2 (276), VLAN inside SLL', () => {
  assert.deepEqual(ipOf(decodeLink(LINKTYPE.LINUX_SLL, sll(IP))), IP);
  assert.deepEqual(ipOf(decodeLink(LINKTYPE.LINUX_SLL2, sll2(IP))), IP);
  const vlanInSll = sll(Buffer.concat([u16(42), u16(0x0800), IP]), 0x8100);
  const r = decodeLink(LINKTYPE.LINUX_SLL, vlanInSll);
  assert.deepEqual(ipOf(r), IP);
  assert.equal('vlan' in r && r.vlan, 42);
});

test('raw IP link types and NULL/LOOP families in either byte order', () => {
  for (const lt of [101, 12, 14, 228, 229]) assert.deepEqual(ipOf(decodeLink(lt, IP)), IP);
  const famLE = Buffer.alloc(4); famLE.writeUInt32LE(2);
  assert.deepEqual(ipOf(decodeLink(LINKTYPE.NULL, Buffer.concat([famLE, IP]))), IP);
  assert.deepEqual(ipOf(decodeLink(LINKTYPE.NULL, Buffer.concat([u32(30), IP]))), IP);
  assert.deepEqual(ipOf(decodeLink(LINKTYPE.LOOP, Buffer.concat([u32(2), IP]))), IP);
  assert.deepEqual(decodeLink(LINKTYPE.LOOP, Buffer.concat([famLE, IP])), { skip: 'non-ip frame' });
  assert.deepEqual(decodeLink(147, IP), { skip: 'unsupported link type 147' });
});
