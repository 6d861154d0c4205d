// Format name → reader. Readers are imported lazily so that a command only loads the parsers
// it uses (start-up time).
import type { InputFormat, SourceReader } from './source.js';

export const INPUT_FORMATS: InputFormat[] = ['kamailio', 'kamailio-sipdump', 'freeswitch', 'pcap', 'pcapng', 'hep', 'chunks'];

/**
 * How a reader resumes an input that grew: 'seek' starts the byte stream at the saved offset
 * (line-oriented text); 'skip' streams from the start and the reader skips what lies before
 * ctx.startOffset (formats with a header it needs); 'none' re-reads everything (deduped by id).
 */
export function resumeMode(format: InputFormat): 'seek' | 'skip' | 'none' {
  switch (format) {
    case 'kamailio': case 'kamailio-sipdump': case 'freeswitch': case 'hep': return 'seek';
    case 'pcap': case 'pcapng': return 'skip';
    case 'chunks': return 'none';
  }
}

export async function loadReader(format: InputFormat): Promise<SourceReader> {
  switch (format) {
    case 'chunks': return (await import('./chunks-json.js')).readChunksJson;
    case 'kamailio': return (await import('./kamailio/reader.js')).readKamailioLog;
    case 'kamailio-sipdump': return (await import('./kamailio/sipdump.js')).readSipdump;
    case 'freeswitch': return (await import('./freeswitch/reader.js')).readFreeswitchLog;
    case 'pcap':
    case 'pcapng': return (await import('../capture/reader.js')).readCaptureFile;
    case 'hep': return (await import('../capture/reader.js')).readHepStream;
  }
}
