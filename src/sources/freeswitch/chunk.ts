// One traced message → a Chunk, through the same builder as a captured packet: addresses from
// the stamp and the node address (or what the message says about the local side), the stamp's
// transport, the stamp line's position.
import type { Endpoint } from '../../model/address.js';
import type { Chunk } from '../../model/chunk.js';
import type { Instant } from '../../model/time.js';
import { chunkFromSip } from '../../sip/chunk-builder.js';
import type { SipMessage } from '../../sip/message.js';
import { inferLocalAddress } from './local-address.js';
import type { Stamp } from './stamp.js';

export interface TracedMessage {
  msg: SipMessage;
  stamp: Stamp;
  offset: number;
  line: number;
  flags: string[];
}

export function tracedChunk(t: TracedMessage, parser: string, nodeAddress: Endpoint | undefined, time: Instant): Chunk {
  const flags = [...t.flags];
  let local = nodeAddress;
  if (!local) {
    local = inferLocalAddress(t.msg, t.stamp.dir, t.stamp.proto);
    flags.push(local ? 'local-address-inferred' : 'local-address-unknown');
  }
  const peer = t.stamp.peer;
  return chunkFromSip(t.msg, {
    parser,
    nodeTime: time,
    src: t.stamp.dir === 'recv' ? peer : local,
    dst: t.stamp.dir === 'recv' ? local : peer,
    transport: t.stamp.proto,
    source: { offset: t.offset, line: t.line },
    flags,
  });
}
