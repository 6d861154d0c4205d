// Input detection by content (FORMATS.md §11): magic bytes first, then text signatures in the
// first lines, looking past leading noise and line prefixes.
import type { InputFormat } from './source.js';

export interface Detection {
  format: InputFormat | 'gzip' | 'unknown';
  rule: string;
}

const FS_STAMP = /(recv|send|sent) \d+ bytes (from|to) \w+\/\[[^\]]+\]:\d+(\/\d+)?(;comp=sigcomp)? at \d\d:\d\d:\d\d\.\d+:/;
const KAZOO_SCHEME = /<script>: [^|]+\|(start|log|pass|end|stop)\|/;
const KAMAILIO_LINE = /(^|\s)(\/\S*\/)?kamailio(\[\d+\])?:|^\s*\d+\(\d+\) (DEBUG|INFO|NOTICE|WARNING|ERROR|CRITICAL|ALERT|BUG|L_\w+):|<core> \[|<script>: /m;

export function detectFormat(head: Buffer): Detection {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return { format: 'gzip', rule: 'gzip magic 1f 8b' };
  if (head.length >= 4) {
    const m = head.readUInt32BE(0);
    if ([0xd4c3b2a1, 0xa1b2c3d4, 0x4d3cb2a1, 0xa1b23c4d, 0x34cdb2a1, 0xa1b2cd34].includes(m)) return { format: 'pcap', rule: `pcap magic ${head.subarray(0, 4).toString('hex')}` };
    if (m === 0x0a0d0d0a) return { format: 'pcapng', rule: 'pcapng section header block' };
    if (head.toString('latin1', 0, 4) === 'HEP3') return { format: 'hep', rule: 'HEP3 magic' };
  }
  const text = head.toString('utf8');
  const trimmed = text.trimStart();
  if (trimmed.startsWith('[') || trimmed.startsWith('{')) {
    if (/"(call-id|raw|ref_timestamp)"\s*:/.test(trimmed.slice(0, 4096)) && !/"level"\s*:\s*"/.test(trimmed.slice(0, 512))) {
      return { format: 'chunks', rule: 'JSON with chunk keys (call-id, raw, ref_timestamp)' };
    }
  }
  if (/^dump started at /m.test(text) || (/^(recv|sent) \d+ bytes (from|to) /m.test(text) && text.includes('\x0b\n'))) {
    return { format: 'freeswitch', rule: 'sofia dump file' };
  }
  if (FS_STAMP.test(text)) return { format: 'freeswitch', rule: 'sofia siptrace stamp "recv|send N bytes from|to proto/[ip]:port at HH:MM:SS.us:"' };
  if (/^====================\r?\n(tag: )/m.test(text)) return { format: 'kamailio-sipdump', rule: 'sipdump record header' };
  if (KAZOO_SCHEME.test(text)) return { format: 'kamailio', rule: 'Kazoo scheme "<script>: callid|tag|text"' };
  if (KAMAILIO_LINE.test(text)) return { format: 'kamailio', rule: 'Kamailio syslog/stderr line' };
  if (/^\s*\{.*"level"\s*:.*"message"\s*:/m.test(text)) return { format: 'kamailio', rule: 'Kamailio JSON log engine line' };
  return { format: 'unknown', rule: 'no known signature in the first bytes' };
}
