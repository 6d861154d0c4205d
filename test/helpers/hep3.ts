// Test-only HEP3 encoder: builds packets chunk by chunk (FORMATS.md §1.3) so that tests and the
// listen benchmark can send what real agents send, and what broken ones do.

export interface Hep3Chunk {
  vendor?: number;
  type: number;
  value: Buffer;
}

export function chunk(type: number, value: Buffer | string | number, width = 0, vendor = 0): Hep3Chunk {
  let v: Buffer;
  if (typeof value === 'number') {
    v = Buffer.alloc(width || 4);
    v.writeUIntBE(value, 0, v.length);
  } else v = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  return { vendor, type, value: v };
}

export function ipv4(text: string): Buffer {
  return Buffer.from(text.split('.').map(Number));
}

/** Concatenate chunks behind a `HEP3` header; `totalLength` overrides the length field. */
export function encodeHep3(chunks: Hep3Chunk[], totalLength?: number): Buffer {
  const parts = chunks.map((c) => {
    const h = Buffer.alloc(6);
    h.writeUInt16BE(c.vendor ?? 0, 0);
    h.writeUInt16BE(c.type, 2);
    h.writeUInt16BE(6 + c.value.length, 4);
    return Buffer.concat([h, c.value]);
  });
  const body = Buffer.concat(parts);
  const head = Buffer.from('HEP3\0\0', 'latin1');
  head.writeUInt16BE(totalLength ?? 6 + body.length, 4);
  return Buffer.concat([head, body]);
}

export interface SipHepOptions {
  src?: string; dst?: string; srcPort?: number; dstPort?: number;
  /** Capture time, ns since the Unix epoch. */
  time: bigint;
  captureId?: number;
  authKey?: string;
  correlationId?: string;
  nodeName?: string;
  payloadType?: number;
  ipProtocol?: number;
}

/** A typical HEP3 packet as Kamailio's siptrace sends it, carrying `payload`. */
export function sipHep3(payload: Buffer | string, o: SipHepOptions): Buffer {
  const sec = Number(o.time / 1_000_000_000n);
  const usec = Number((o.time % 1_000_000_000n) / 1000n);
  const chunks = [
    chunk(0x01, 2, 1), chunk(0x02, o.ipProtocol ?? 17, 1),
    chunk(0x03, ipv4(o.src ?? '10.0.0.1')), chunk(0x04, ipv4(o.dst ?? '10.0.0.2')),
    chunk(0x07, o.srcPort ?? 5060, 2), chunk(0x08, o.dstPort ?? 5060, 2),
    chunk(0x09, sec, 4), chunk(0x0a, usec, 4),
    chunk(0x0b, o.payloadType ?? 1, 1), chunk(0x0c, o.captureId ?? 1, 4),
  ];
  if (o.authKey !== undefined) chunks.push(chunk(0x0e, o.authKey));
  if (o.correlationId !== undefined) chunks.push(chunk(0x11, o.correlationId));
  if (o.nodeName !== undefined) chunks.push(chunk(0x13, o.nodeName));
  chunks.push(chunk(0x0f, typeof payload === 'string' ? Buffer.from(payload, 'latin1') : payload));
  return encodeHep3(chunks);
}

/** A small, valid SIP request; `n` varies the Call-ID and CSeq. */
export function sipInvite(callId: string, n = 1): string {
  return [
    `INVITE sip:bob@example.com SIP/2.0`,
    `Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-${callId}-${n}`,
    `From: <sip:alice@example.com>;tag=a${n}`,
    `To: <sip:bob@example.com>`,
    `Call-ID: ${callId}`,
    `CSeq: ${n} INVITE`,
    `Max-Forwards: 70`,
    `Content-Length: 0`,
    ``, ``,
  ].join('\r\n');
}
