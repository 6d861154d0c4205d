// What kind of message an arrow is, and the colour of each kind: the same classes in the
// terminal ladder, the table and the HTML page (requests, 1xx, 2xx, 3xx-6xx: RFC 3261 §7.2).
import type { Styles } from '../cli/output.js';
import type { Chunk } from '../model/chunk.js';

export type MessageKind = 'request' | 'provisional' | 'success' | 'failure' | 'unknown';

export const KIND_NAMES: Record<MessageKind, string> = {
  request: 'request',
  provisional: 'provisional (1xx)',
  success: 'success (2xx)',
  failure: 'redirect / failure (3xx-6xx)',
  unknown: 'no start line',
};

/** The status code of a response chunk: the parsed field, else read from the label (Kamailio log labels are `407 Proxy …`). */
export function statusOf(c: Chunk): number | undefined {
  if (c.status !== undefined) return c.status;
  const m = /^(?:SIP\/2\.0\s+)?([1-6]\d\d)(?:\s|$)/i.exec(c.label ?? '');
  return m ? Number(m[1]) : undefined;
}

export function messageKind(c: Chunk): MessageKind {
  const status = statusOf(c);
  if (status !== undefined) return status < 200 ? 'provisional' : status < 300 ? 'success' : 'failure';
  if (c.method || /^[A-Za-z][A-Za-z0-9._!%*+`'~-]*\s+\S/.test(c.label ?? '')) return 'request';
  return 'unknown';
}

/** Terminal colours (chalk's, or identity functions when colour is off: cli/output.ts). */
export function kindStyle(chalk: Styles, kind: MessageKind): (s: string) => string {
  switch (kind) {
    case 'request': return chalk.cyan;
    case 'provisional': return chalk.yellow;
    case 'success': return chalk.green;
    case 'failure': return chalk.red;
    default: return chalk.magenta;
  }
}

/** HTML/SVG colours, readable on a white background. */
export const KIND_CSS: Record<MessageKind, string> = {
  request: '#1f5fbf',
  provisional: '#a36a00',
  success: '#1d7f34',
  failure: '#c0262d',
  unknown: '#7a3fa0',
};
