// The JavaScript MD5 behind store paths (src/model/md5.ts) against node:crypto's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { md5HexOf } from '../src/model/md5.js';
import { callHash } from '../src/store/layout.js';

const reference = (b: Uint8Array) => createHash('md5').update(b).digest('hex');

test('RFC 1321 test suite', () => {
  const suite: [string, string][] = [
    ['', 'd41d8cd98f00b204e9800998ecf8427e'],
    ['a', '0cc175b9c0f1b6a831c399e269772661'],
    ['abc', '900150983cd24fb0d6963f7d28e17f72'],
    ['message digest', 'f96b697d7cb7938d525a2f31aaf161d0'],
    ['abcdefghijklmnopqrstuvwxyz', 'c3fcd3d76192e4007dfb496cca67e13b'],
    ['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789', 'd174ab98d277d9f5a5611c2c9f419d9f'],
    ['1234567890'.repeat(8), '57edf4a22be3c955ac49da2e2107b67a'],
  ];
  for (const [text, hex] of suite) assert.equal(md5HexOf(Buffer.from(text)), hex, JSON.stringify(text));
});

test('every length across the padding boundaries, and random inputs, match node:crypto', () => {
  for (let n = 0; n <= 300; n++) {
    const b = randomBytes(n);
    assert.equal(md5HexOf(b), reference(b), `length ${n}`);
  }
  for (let i = 0; i < 2000; i++) {
    const b = randomBytes(Math.floor(Math.random() * 2000));
    assert.equal(md5HexOf(b), reference(b));
  }
});

test('a Call-ID is hashed as its UTF-8 bytes, as the original does', () => {
  for (const id of ['1-27509@127.0.0.1', 'bjgz7-46E1C3CB36304F84A020CF6DD3F96461@Verso.com', '日本語-☎-\u{1F4DE}@example.com', 'undefined']) {
    assert.equal(callHash(id), createHash('md5').update(id, 'utf8').digest('hex'));
  }
});
