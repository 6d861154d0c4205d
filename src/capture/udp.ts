// UDP (FORMATS.md §5.2): an 8-byte header; the payload is min(length − 8, bytes captured).
// The checksum is ignored (offload makes it wrong in captures; 0 is legal on IPv4).

export interface UdpDatagram {
  srcPort: number;
  dstPort: number;
  payload: Buffer;
  /** The length field promises more bytes than were captured. */
  truncated: boolean;
}

export function decodeUdp(buf: Buffer): UdpDatagram | { skip: string } {
  if (buf.length < 8) return { skip: 'truncated udp header' };
  const length = buf.readUInt16BE(4);
  // Length 0 happens with IPv6 jumbograms and some offload captures: use what is there.
  const want = length >= 8 ? length - 8 : buf.length - 8;
  const have = buf.length - 8;
  return {
    srcPort: buf.readUInt16BE(0),
    dstPort: buf.readUInt16BE(2),
    payload: buf.subarray(8, 8 + Math.min(want, have)),
    truncated: want > have,
  };
}
