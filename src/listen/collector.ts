// The receiving thread's part of the live HEP pipeline, one packet at a time: allow-list →
// decode → auth key → hand the packet to the store writer, which builds the chunk and writes it
// in its own thread (store-writer.ts, store-worker.ts). Kept cheap (a few µs per packet) so
// that the sockets are drained at once and bursts do not overflow the kernel buffer.
import { decodeHep } from '../capture/hep.js';
import type { Instant } from '../model/time.js';
import { unmapIpv4, type AllowList } from './allow-list.js';
import type { ListenCounters } from './counters.js';
import { ReceiveClock } from './receive-clock.js';

export interface CollectorOptions {
  allow: AllowList;
  /** Required HEP3 auth key (chunk 0x000e); packets without it or with another are rejected. */
  authKey?: string;
}

/** An accepted HEP packet: its bytes, the outer source IP and the receive time. */
export interface ReceivedPacket {
  buf: Uint8Array;
  sender: string;
  refTime: Instant;
}

/** Where accepted packets go; `add` returns false when one was dropped (and counted) instead. */
export interface PacketTarget {
  add(packet: ReceivedPacket): boolean;
}

export class HepCollector {
  private readonly clock = new ReceiveClock();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly target: PacketTarget, readonly counters: ListenCounters, private readonly opts: CollectorOptions) {
    this.timer = setInterval(() => this.clock.check(), 1000);
    this.timer.unref();
  }

  /** One HEP datagram (UDP) or framed packet (TCP) from `senderAddress` (the outer source IP). */
  handle(buf: Buffer, senderAddress: string): void {
    const refTime = this.clock.now();
    const c = this.counters;
    c.received++;
    c.bytes += buf.length;
    const sender = unmapIpv4(senderAddress);
    if (!this.opts.allow.allows(sender)) { c.count(c.rejected, 'sender not allowed'); return; }
    const r = decodeHep(buf, refTime);
    if (!r.ok) { c.count(c.decodeErrors, r.reason); return; }
    const p = r.packet;
    if (this.opts.authKey !== undefined && p.authKey !== this.opts.authKey) {
      c.count(c.rejected, p.authKey === undefined ? 'no auth key' : 'wrong auth key');
      return;
    }
    this.target.add({ buf, sender, refTime });
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
