// HEP3 over TCP (heplify -nt tcp, OpenSIPS proto_hep): one framer per connection, packets cut
// by the HEP3 total length (FORMATS.md §1.6). Idle connections are closed, the number of
// connections is capped, and each connection's buffer is bounded by the framer.
import { createServer, type Server, type Socket } from 'node:net';
import { HepStreamFramer } from '../capture/hep-stream.js';
import { formatEndpoint, type Endpoint } from '../model/address.js';

export interface TcpReceiverOptions {
  idleTimeoutMs?: number;
  maxConnections?: number;
  onConnection?: () => void;
  onGarbage?: (bytes: number) => void;
}

export interface TcpReceiver {
  readonly address: string;
  close(): Promise<void>;
}

export function startTcpReceiver(ep: Endpoint, onPacket: (buf: Buffer, sender: string) => void, opts: TcpReceiverOptions = {}): Promise<TcpReceiver> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((sock) => {
    sockets.add(sock);
    opts.onConnection?.();
    const framer = new HepStreamFramer();
    const sender = sock.remoteAddress ?? '';
    let garbage = 0;
    sock.setTimeout(opts.idleTimeoutMs ?? 10 * 60_000, () => sock.destroy());
    sock.on('data', (data: Buffer) => {
      for (const pkt of framer.push(data)) onPacket(pkt, sender);
      if (framer.garbageBytes !== garbage) {
        opts.onGarbage?.(framer.garbageBytes - garbage);
        garbage = framer.garbageBytes;
      }
    });
    sock.on('error', () => sock.destroy());
    sock.on('close', () => sockets.delete(sock));
  });
  server.maxConnections = opts.maxConnections ?? 1000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(ep.port ?? 9060, ep.host, () => {
      server.off('error', reject);
      const a = server.address();
      const address = a && typeof a === 'object' ? `tcp:${formatEndpoint({ host: a.address, port: a.port })}` : `tcp:${formatEndpoint(ep)}`;
      resolve({
        address,
        close: () => new Promise<void>((r) => {
          server.close(() => r());
          for (const s of sockets) s.destroy();
        }),
      });
    });
  });
}
