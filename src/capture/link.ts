// Link layer (FORMATS.md §4): from a frame of a given LINKTYPE to the IP packet it carries.
// Ethernet with any number of VLAN tags (QinQ; sngrep strips only one), PPPoE sessions, MPLS
// label stacks; 802.3 length frames (STP/LLC) are not IP. Linux cooked SLL (113) and SLL2
// (276, the `tcpdump -i any` default on recent libpcap, irontec/sngrep#402); raw IP (101, 12,
// 14, 228, 229); BSD NULL (0, host byte order) and LOOP (108, big-endian); NFLOG (239).

export type LinkResult = { ip: Buffer; vlan?: number } | { skip: string };

export const LINKTYPE = {
  NULL: 0, ETHERNET: 1, RAW_OLD: 12, RAW_OPENBSD: 14, RAW: 101, LOOP: 108, LINUX_SLL: 113,
  IPV4: 228, IPV6: 229, NFLOG: 239, LINUX_SLL2: 276,
} as const;

const ETH_IPV4 = 0x0800;
const ETH_IPV6 = 0x86dd;
const ETH_VLAN = new Set([0x8100, 0x88a8, 0x9100]);
const ETH_PPPOE_SESSION = 0x8864;
const ETH_MPLS = new Set([0x8847, 0x8848]);

export function decodeLink(linkType: number, data: Buffer): LinkResult {
  switch (linkType) {
    case LINKTYPE.ETHERNET: return decodeEthernet(data);
    case LINKTYPE.RAW: case LINKTYPE.RAW_OLD: case LINKTYPE.RAW_OPENBSD:
    case LINKTYPE.IPV4: case LINKTYPE.IPV6:
      return { ip: data };
    case LINKTYPE.LINUX_SLL:
      if (data.length < 16) return { skip: 'truncated link header' };
      return fromEtherType(data.readUInt16BE(14), data, 16, undefined);
    case LINKTYPE.LINUX_SLL2:
      if (data.length < 20) return { skip: 'truncated link header' };
      return fromEtherType(data.readUInt16BE(0), data, 20, undefined);
    case LINKTYPE.NULL: case LINKTYPE.LOOP: {
      if (data.length < 4) return { skip: 'truncated link header' };
      // NULL writes the family in the capturing host's byte order: try both (LOOP is BE).
      const fams = linkType === LINKTYPE.LOOP ? [data.readUInt32BE(0)] : [data.readUInt32LE(0), data.readUInt32BE(0)];
      for (const fam of fams) {
        if (fam === 2 || fam === 24 || fam === 28 || fam === 30) return { ip: data.subarray(4) };
      }
      return { skip: 'non-ip frame' };
    }
    case LINKTYPE.NFLOG: return decodeNflog(data);
    default:
      return { skip: `unsupported link type ${linkType}` };
  }
}

/** Ethernet II (also the inner frame of GRE transparent bridging and ERSPAN). */
export function decodeEthernet(data: Buffer): LinkResult {
  if (data.length < 14) return { skip: 'truncated link header' };
  return fromEtherType(data.readUInt16BE(12), data, 14, undefined);
}

function fromEtherType(type: number, data: Buffer, off: number, vlan: number | undefined): LinkResult {
  for (let depth = 0; depth < 16; depth++) {
    if (type === ETH_IPV4 || type === ETH_IPV6) return { ip: data.subarray(off), vlan };
    if (ETH_VLAN.has(type)) {
      if (data.length < off + 4) return { skip: 'truncated link header' };
      // Keep the outermost VLAN id: it names the capture's network segment.
      vlan ??= data.readUInt16BE(off) & 0x0fff;
      type = data.readUInt16BE(off + 2);
      off += 4;
      continue;
    }
    if (type === ETH_PPPOE_SESSION) {
      if (data.length < off + 8) return { skip: 'truncated link header' };
      const ppp = data.readUInt16BE(off + 6);
      off += 8;
      if (ppp === 0x0021) type = ETH_IPV4;
      else if (ppp === 0x0057) type = ETH_IPV6;
      else return { skip: 'non-ip ppp frame' };
      continue;
    }
    if (ETH_MPLS.has(type)) {
      // Labels until the bottom-of-stack bit, then guess by the IP version nibble.
      for (;;) {
        if (data.length < off + 4) return { skip: 'truncated link header' };
        const bottom = data[off + 2]! & 0x01;
        off += 4;
        if (bottom) break;
      }
      const v = (data[off] ?? 0) >> 4;
      if (v === 4 || v === 6) return { ip: data.subarray(off), vlan };
      return { skip: 'non-ip mpls payload' };
    }
    if (type < 0x0600) return { skip: 'non-ip frame (802.3 length field)' };
    return { skip: `non-ip frame (ethertype 0x${type.toString(16).padStart(4, '0')})` };
  }
  return { skip: 'too many link headers' };
}

/** NFLOG: a 4-byte header, then TLVs (host-order u16 length and type, padded to 4); the packet is type 9. */
function decodeNflog(data: Buffer): LinkResult {
  let off = 4;
  while (off + 4 <= data.length) {
    let len = data.readUInt16LE(off);
    let type = data.readUInt16LE(off + 2);
    if (len < 4 || off + len > data.length) {
      len = data.readUInt16BE(off);
      type = data.readUInt16BE(off + 2);
    }
    if (len < 4 || off + len > data.length) break;
    if ((type & 0x7fff) === 9) return { ip: data.subarray(off + 4, off + len) };
    off += (len + 3) & ~3;
  }
  return { skip: 'nflog frame without payload' };
}
