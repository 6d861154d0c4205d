// Who may send HEP to a listener: source addresses and CIDR blocks (IPv4 and IPv6). Empty
// means everyone. Built on node:net's BlockList, which does the prefix arithmetic.
import { BlockList, isIPv4, isIPv6 } from 'node:net';

export class AllowList {
  private readonly list = new BlockList();
  private count = 0;

  /** Parse `IP` or `IP/PREFIX`; throws RangeError with a message for the user. */
  add(spec: string): void {
    const m = /^([^/]+)(?:\/(\d{1,3}))?$/.exec(spec.trim());
    const ip = m?.[1] ?? '';
    const type = isIPv4(ip) ? 'ipv4' : isIPv6(ip) ? 'ipv6' : undefined;
    if (!m || !type) throw new RangeError(`--allow wants an IP address or CIDR block, not '${spec}'`);
    if (m[2] === undefined) this.list.addAddress(ip, type);
    else {
      const prefix = Number(m[2]);
      if (prefix > (type === 'ipv4' ? 32 : 128)) throw new RangeError(`--allow: prefix /${prefix} is too long for ${ip}`);
      this.list.addSubnet(ip, prefix, type);
    }
    this.count++;
  }

  get empty(): boolean {
    return this.count === 0;
  }

  allows(address: string): boolean {
    if (this.count === 0) return true;
    const ip = unmapIpv4(address);
    if (isIPv4(ip)) return this.list.check(ip, 'ipv4');
    if (isIPv6(ip)) return this.list.check(ip, 'ipv6');
    return false;
  }
}

/** `::ffff:1.2.3.4` (a dual-stack socket's view of an IPv4 peer) → `1.2.3.4`. */
export function unmapIpv4(address: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return m ? m[1]! : address;
}
