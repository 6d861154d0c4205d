// SIP over WebSocket (RFC 7118; FORMATS.md §5.5): one framer per TCP direction.
// The direction first carries an HTTP/1.1 message (the client's `GET … Upgrade: websocket`, or
// the server's `101 Switching Protocols`); after its blank line come RFC 6455 frames:
// - FIN, RSV1-3 and the opcode in byte 0; MASK and a 7/16/64-bit length in byte 1 and after;
// - client frames are masked: XOR with the 4-byte key;
// - one SIP message per WebSocket MESSAGE: continuation frames (opcode 0) are joined until FIN;
//   control frames (close, ping, pong) may come between them and are ignored;
// - text and binary messages alike (sngrep accepts text only);
// - RSV1 on the first frame = permessage-deflate (RFC 7692): raw inflate after appending
//   00 00 ff ff. With context takeover a message may refer to earlier ones, so the last 32 KiB
//   of this direction's inflated output is given to zlib as the preset window.
import { constants, inflateRawSync } from 'node:zlib';
import { findHeaderEnd } from '../sip/message.js';

const MAX_MESSAGE = 4 * 1024 * 1024;
const WINDOW = 32 * 1024;
const DEFLATE_TAIL = Buffer.from([0x00, 0x00, 0xff, 0xff]);

export interface WebSocketMessage {
  data: Buffer;
  /** 1 text, 2 binary. */
  opcode: number;
  flags: string[];
}

/** First bytes of a TCP direction that open an HTTP exchange (a possible WebSocket upgrade). */
export function startsHttp(buf: Buffer): boolean {
  return buf.length >= 4 && (buf.toString('latin1', 0, 4) === 'GET ' || buf.toString('latin1', 0, 5) === 'HTTP/');
}

/** An HTTP head that upgrades to WebSocket: a GET with `Upgrade: websocket`, or a 101 response. */
export function isWebSocketHandshake(head: string): boolean {
  if (/^HTTP\/1\.[01] 101\b/.test(head)) return true;
  return /^GET /.test(head) && /^upgrade[ \t]*:[ \t]*websocket/im.test(head);
}

export type WebSocketState = 'http' | 'frames' | 'not-websocket';

export class WebSocketFramer {
  state: WebSocketState;
  private buf: Buffer = Buffer.alloc(0);
  private parts: Buffer[] = [];
  private partsBytes = 0;
  private messageOpcode = 0;
  private compressed = false;
  private history: Buffer = Buffer.alloc(0);

  constructor(expectHttp = true, private readonly onSkip: (reason: string, count: number) => void = () => {}) {
    this.state = expectHttp ? 'http' : 'frames';
  }

  get buffered(): number {
    return this.buf.length + this.partsBytes;
  }

  gap(): void {
    if (this.buf.length || this.parts.length) this.onSkip('websocket message incomplete (tcp gap)', 1);
    this.buf = Buffer.alloc(0);
    this.parts = [];
    this.partsBytes = 0;
    // Frame boundaries are lost: nothing can be trusted until the stream is seen afresh.
    this.state = 'not-websocket';
  }

  finish(): void {
    if (this.buf.length || this.parts.length) this.onSkip('websocket message incomplete at end of stream', 1);
    this.buf = Buffer.alloc(0);
    this.parts = [];
  }

  push(data: Buffer, emit: (m: WebSocketMessage) => void): void {
    const b = this.buf.length ? Buffer.concat([this.buf, data]) : data;
    let off = 0;
    if (this.state === 'http') {
      const he = findHeaderEnd(b, 0);
      if (he < 0) {
        if (b.length > 64 * 1024) { this.state = 'not-websocket'; this.buf = Buffer.alloc(0); return; }
        this.buf = Buffer.from(b);
        return;
      }
      this.state = isWebSocketHandshake(b.toString('latin1', 0, he)) ? 'frames' : 'not-websocket';
      off = he;
    }
    if (this.state === 'not-websocket') { this.buf = Buffer.alloc(0); return; }
    for (;;) {
      if (b.length - off < 2) break;
      const b0 = b[off]!, b1 = b[off + 1]!;
      let len = b1 & 0x7f;
      let hdr = 2;
      if (len === 126) {
        if (b.length - off < 4) break;
        len = b.readUInt16BE(off + 2);
        hdr = 4;
      } else if (len === 127) {
        if (b.length - off < 10) break;
        const big = b.readBigUInt64BE(off + 2);
        if (big > BigInt(MAX_MESSAGE)) { this.bad('websocket frame too large'); return; }
        len = Number(big);
        hdr = 10;
      }
      const masked = (b1 & 0x80) !== 0;
      if (masked) hdr += 4;
      if (len > MAX_MESSAGE) { this.bad('websocket frame too large'); return; }
      if (b.length - off < hdr + len) break;
      let payload = b.subarray(off + hdr, off + hdr + len);
      if (masked) {
        const k = off + hdr - 4;
        const out = Buffer.allocUnsafe(len);
        for (let i = 0; i < len; i++) out[i] = payload[i]! ^ b[k + (i & 3)]!;
        payload = out;
      }
      off += hdr + len;
      const fin = (b0 & 0x80) !== 0;
      const opcode = b0 & 0x0f;
      if (opcode >= 8) continue; // close, ping, pong: control frames carry no SIP
      if (opcode !== 0) {
        if (this.parts.length) this.onSkip('websocket message interrupted', 1);
        this.parts = [];
        this.partsBytes = 0;
        this.messageOpcode = opcode;
        this.compressed = (b0 & 0x40) !== 0;
      } else if (this.messageOpcode === 0) {
        this.onSkip('websocket continuation without a first frame', 1);
        continue;
      }
      this.parts.push(masked ? payload : Buffer.from(payload));
      this.partsBytes += payload.length;
      if (this.partsBytes > MAX_MESSAGE) { this.bad('websocket message too large'); return; }
      if (!fin) continue;
      const whole = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts);
      const opc = this.messageOpcode;
      this.parts = [];
      this.partsBytes = 0;
      this.messageOpcode = 0;
      if (opc !== 1 && opc !== 2) { this.onSkip(`websocket opcode ${opc}`, 1); continue; }
      if (this.compressed) {
        const inflated = this.inflate(whole);
        if (!inflated) { this.onSkip('websocket message does not inflate', 1); continue; }
        emit({ data: inflated, opcode: opc, flags: ['ws-deflate'] });
      } else {
        emit({ data: whole, opcode: opc, flags: [] });
      }
    }
    this.buf = off >= b.length ? Buffer.alloc(0) : Buffer.from(b.subarray(off));
  }

  private inflate(data: Buffer): Buffer | undefined {
    try {
      const out = inflateRawSync(Buffer.concat([data, DEFLATE_TAIL]), {
        finishFlush: constants.Z_SYNC_FLUSH,
        maxOutputLength: MAX_MESSAGE,
        ...(this.history.length ? { dictionary: this.history } : {}),
      });
      const h = this.history.length ? Buffer.concat([this.history, out]) : out;
      this.history = h.length > WINDOW ? Buffer.from(h.subarray(h.length - WINDOW)) : Buffer.from(h);
      return out;
    } catch {
      return undefined;
    }
  }

  private bad(reason: string): void {
    this.onSkip(reason, 1);
    this.buf = Buffer.alloc(0);
    this.parts = [];
    this.partsBytes = 0;
    this.state = 'not-websocket';
  }
}
