// Assembling one siptrace block from logical lines (FORMATS.md §8.3 steps 2–5): the stamp, one
// dash line, the message lines, and the end. Two layouts:
//  - indented (old tport_log_msg, §8.2 B): every line "   "-indented, a closing dash line; each
//    line was its own log write, so foreign lines can sit inside and are dropped;
//  - current (§8.2 A): one write, no indent, no closing line; the block ends at the next stamp,
//    a log line, a sofia-sip debug line, an fs_cli prompt, or the end of the input.
import type { LogicalLine } from './line-prefix.js';
import { findEmbeddedLogLine, isSofiaDebugLine, parseLogLine } from './log-line.js';
import { findStamp, type Stamp } from './stamp.js';

export interface LinePos {
  /** Byte offset of the physical line in the input. */
  offset: number;
  /** 1-based line number. */
  line: number;
}

export type BlockEnd = 'closing-dashes' | 'stamp' | 'log-line' | 'debug-line' | 'prompt' | 'syslog-record' | 'binary' | 'eof';

export interface Block {
  stamp: Stamp;
  pos: LinePos;
  indented: boolean;
  /** Message lines, indent removed. */
  lines: string[];
  /** Notes from the tracer: a line cut at 2047 characters, a body printed as <ENCODED DATA>. */
  markers: Set<'line-truncated' | 'encoded-data'>;
  end?: BlockEnd;
  /** More than the size cap: dropped (counted), its lines consumed until it ends. */
  overflow: boolean;
  /** The input ended inside the final line (no newline after it). */
  cutLine: boolean;
}

export interface FeedResult {
  /** The block ended with this line. */
  done?: Block;
  /**
   * Text the block did not take: the line that ended it (a stamp, a log line), or a foreign
   * line inside an indented block (`inside` set). The reader handles it as an outside line.
   */
  rest?: LogicalLine;
  inside?: boolean;
  /** The stamp that starts `rest` (the block ended at a stamp): not to be parsed again. */
  stamp?: Stamp;
}

export const DEFAULT_MAX_BLOCK_BYTES = 256 * 1024;

const OPENING_DASHES = /^\s*-{3,}\s*$/;
const CLOSING_DASHES = /^\s*-{20,}\s*$/;
const INDENT = '   ';
const TRUNCATED_MARK = /^ {3}\*\*\* message truncated at \d+ \*\*\*\s*$/;
const ENCODED_MARK = /^ {3}<ENCODED DATA>\s*$/;
const CONTENT_LENGTH = /^(?:content-length|l)\s*:\s*(\d+)\s*$/i;
const PREFIX_COUNTER = /^\d+-> $/;

/**
 * A stamp starts a block at the start of a (prefix-stripped) line; inside a message it may only
 * follow whitespace, a counter, a log-line prefix or one token and a space (a new Call-ID prefix).
 */
export function stampStartingLine(text: string): Stamp | undefined {
  if (!text.includes(' bytes ')) return undefined;
  const st = findStamp(text);
  if (!st) return undefined;
  if (st.index === 0) return st;
  const prefix = text.slice(0, st.index);
  if (prefix.trim() === '' || PREFIX_COUNTER.test(prefix) || parseLogLine(prefix) !== undefined || /^\S+ $/.test(prefix)) return st;
  return undefined;
}

export class BlockAssembler {
  private cur: Block | undefined;
  private sawFirst = false;
  private headerDone = false;
  private contentLength: number | undefined;
  private bodyBytes = 0;
  private size = 0;

  constructor(private readonly maxBytes = DEFAULT_MAX_BLOCK_BYTES) {}

  get pending(): Block | undefined {
    return this.cur;
  }

  start(stamp: Stamp, pos: LinePos): void {
    this.cur = { stamp, pos, indented: false, lines: [], markers: new Set(), overflow: false, cutLine: false };
    this.sawFirst = false;
    this.headerDone = false;
    this.contentLength = undefined;
    this.bodyBytes = 0;
    this.size = 0;
  }

  /** End the pending block (end of input, binary data). */
  finish(end: BlockEnd): Block | undefined {
    const b = this.cur;
    if (!b) return undefined;
    b.end = end;
    this.cur = undefined;
    return b;
  }

  private bodyComplete(): boolean {
    return this.headerDone && (this.contentLength === undefined || this.bodyBytes >= this.contentLength);
  }

  feed(line: LogicalLine): FeedResult {
    const b = this.cur;
    if (!b) return { rest: line };
    const text = line.text;

    if (!this.sawFirst) {
      this.sawFirst = true;
      if (!line.prompt && OPENING_DASHES.test(text)) {
        b.indented = text.startsWith(INDENT);
        return {};
      }
      // No dash line (a copy that lost it): judge the layout from the first message line.
      b.indented = text.startsWith(INDENT) && text.trim() !== '';
    }

    if (line.prompt) {
      if (b.indented) return { rest: line, inside: true };
      return { done: this.finish('prompt'), rest: line };
    }
    const stamp = stampStartingLine(text);
    if (stamp) return { done: this.finish('stamp'), rest: line, stamp };

    if (b.indented) {
      if (CLOSING_DASHES.test(text) && !(this.headerDone && !this.bodyComplete())) return { done: this.finish('closing-dashes') };
      if (TRUNCATED_MARK.test(text)) { b.markers.add('line-truncated'); return {}; }
      if (ENCODED_MARK.test(text)) { b.markers.add('encoded-data'); return {}; }
      if (text.startsWith(INDENT)) { this.push(text.slice(INDENT.length)); return {}; }
      if (text.trim() === '') { this.push(''); return {}; }
      // Another thread's log line between the indented lines: not part of the message.
      return { rest: line, inside: true };
    }

    // The current layout is one write, hence one syslog record: the next record is not part of it.
    if (line.syslog) return { done: this.finish('syslog-record'), rest: line };
    if (parseLogLine(text)) return { done: this.finish('log-line'), rest: line };
    if (isSofiaDebugLine(text)) return { done: this.finish('debug-line'), rest: line };
    if (this.bodyComplete() && CLOSING_DASHES.test(text)) return { done: this.finish('closing-dashes') };
    const glued = findEmbeddedLogLine(text);
    if (glued > 0) {
      this.push(text.slice(0, glued));
      return { done: this.finish('log-line'), rest: { text: text.slice(glued) } };
    }
    this.push(text);
    return {};
  }

  /** The final line of the input had no newline (it may be cut mid-word). */
  markCutLine(): void {
    if (this.cur) this.cur.cutLine = true;
  }

  private push(text: string): void {
    const b = this.cur!;
    const t = text.endsWith('\r') ? text.slice(0, -1) : text;
    if (b.overflow) return;
    this.size += t.length + 2;
    if (this.size > this.maxBytes) {
      b.overflow = true;
      b.lines = [];
      return;
    }
    if (!this.headerDone) {
      if (t.trim() === '') {
        if (b.lines.length === 0) return; // blank lines before the start line
        this.headerDone = true;
        b.lines.push('');
        return;
      }
      const c = t.charCodeAt(0) | 0x20; // CONTENT_LENGTH starts with c or l
      const cl = c === 0x63 || c === 0x6c ? CONTENT_LENGTH.exec(t) : null;
      if (cl) this.contentLength = Number(cl[1]);
      b.lines.push(t);
      return;
    }
    this.bodyBytes += t.length + 2; // latin1: one byte per character
    b.lines.push(t);
  }
}
