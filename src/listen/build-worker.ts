// The listener's chunk builder, in its own thread: batches of accepted HEP packets from the
// receiving thread are decoded, turned into chunks and store lines (~20 µs a packet) and passed
// straight to the store writer's thread (store-worker.ts) through a channel of their own. Neither
// runs on the receiving thread, which must stay light: its heap small (no long GC pauses) and
// its loop free to drain the socket, whose kernel buffer holds only a few thousand datagrams.
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { decodeHep, hepCapturePoint, hepToChunk } from '../capture/hep.js';
import { prepareChunk, type PreparedChunk } from '../store/prepared-chunk.js';
import type { ReceivedPacket } from './collector.js';
import type { ToWriter } from './store-worker.js';

export type ToBuilder = { type: 'packets'; packets: ReceivedPacket[] } | { type: 'stop' };
export type FromBuilder = { type: 'built'; packets: number; chunks: number; skipped: [string, number][] };

const { chunkPort } = workerData as { chunkPort: MessagePort };
const port = parentPort!;

function build(packets: ReceivedPacket[]): void {
  const skipped = new Map<string, number>();
  const skip = (reason: string) => skipped.set(reason, (skipped.get(reason) ?? 0) + 1);
  const chunks: PreparedChunk[] = [];
  for (const { buf, sender, refTime } of packets) {
    try {
      // Decoded again here: the receiving thread only checked it (cheaper than sending the result).
      const r = decodeHep(Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength), refTime);
      if (!r.ok) { skip(r.reason); continue; }
      const c = hepToChunk(r.packet, { parser: hepCapturePoint(sender, r.packet), refTime, sender });
      if ('skip' in c) { skip(c.skip); continue; }
      chunks.push(prepareChunk(c));
    } catch (e) {
      // A parser bug must cost one packet, not the collector.
      skip(`chunk not built: ${(e as Error).message.slice(0, 80)}`);
    }
  }
  if (chunks.length > 0) chunkPort.postMessage({ type: 'chunks', chunks } satisfies ToWriter);
  port.postMessage({ type: 'built', packets: packets.length, chunks: chunks.length, skipped: [...skipped] } satisfies FromBuilder);
}

port.on('message', (m: ToBuilder) => {
  if (m.type === 'packets') build(m.packets);
  else { chunkPort.postMessage({ type: 'stop' } satisfies ToWriter); chunkPort.close(); port.close(); }
});
