// HEP over UDP: one datagram = one packet (v1, v2 or v3). A large receive buffer absorbs bursts
// while the event loop is busy writing (the kernel default, ~200 kB, overflows at a few
// thousand packets per second); the kernel may grant less than asked (net.core.rmem_max), so
// the granted size is reported.
import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { formatEndpoint, type Endpoint } from '../model/address.js';

export interface UdpReceiver {
  /** The bound address as `udp:IP:PORT`. */
  readonly address: string;
  /** What the kernel granted (Linux reports twice the usable size). */
  readonly recvBufferSize: number;
  close(): Promise<void>;
}

export function startUdpReceiver(ep: Endpoint, onPacket: (buf: Buffer, sender: string) => void, recvBufferSize: number): Promise<UdpReceiver> {
  return new Promise((resolve, reject) => {
    const sock: Socket = createSocket({ type: isIPv6(ep.host) ? 'udp6' : 'udp4', recvBufferSize });
    sock.once('error', reject);
    sock.on('message', (msg, rinfo) => onPacket(msg, rinfo.address));
    sock.bind(ep.port ?? 9060, ep.host, () => {
      sock.off('error', reject);
      sock.on('error', () => { /* datagram errors (ICMP) are not fatal for a receiver */ });
      let granted = 0;
      try { granted = sock.getRecvBufferSize(); } catch { /* not supported */ }
      const a = sock.address();
      resolve({
        address: `udp:${formatEndpoint({ host: a.address, port: a.port })}`,
        recvBufferSize: granted,
        close: () => new Promise<void>((r) => sock.close(() => r())),
      });
    });
  });
}
