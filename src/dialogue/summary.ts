// One line per call for `list`: who called whom, when, how it ended. Pure, from chunks.
import type { Chunk } from '../model/chunk.js';
import { toIso } from '../model/time.js';
import { buildDialogue } from './build.js';
import { analyzeDialogue } from '../analysis/analyze.js';
import type { FailedLeg, OutcomeKind } from '../analysis/types.js';

export interface CallSummary {
  'call-id': string;
  first: string;
  last: string;
  /** First and last collector times, Unix ns as decimal strings (exact, sortable). */
  first_ts: string;
  last_ts: string;
  from?: string;
  to?: string;
  method?: string;
  /** Final status of the initial request (highest-CSeq final response to its method), if seen. */
  status?: number;
  reason?: string;
  messages: number;
  capture_points: string[];
  /** From the analysis (analysis/outcome.ts), recomputed from the chunks like the rest. */
  outcome?: OutcomeKind;
  generated_by?: string;
  failed_leg?: FailedLeg;
  /** First INVITE → final response, ms (the --slow-setup measure). */
  setup_ms?: number;
  post_dial_delay_ms?: number;
  /** Errors and warnings the analysis found. */
  errors?: number;
  warnings?: number;
}

function uriOf(headerValue: string | undefined): string | undefined {
  if (!headerValue) return undefined;
  const m = /<([^>]*)>/.exec(headerValue);
  const uri = (m ? m[1]! : headerValue.split(';')[0]!).trim();
  return uri.replace(/^sips?:/i, '');
}

/** Lowercase first letters of `names` (From/To: f, t). */
function rawHeader(c: Chunk, names: string[], initials: string): string | undefined {
  for (const line of c.raw) {
    if (line === '') break;
    // A printable ASCII first letter that starts none of the names (nor is blank) cannot match.
    const c0 = line.charCodeAt(0);
    if (c0 > 0x20 && c0 < 0x7f && !initials.includes(String.fromCharCode(c0 | 0x20))) continue;
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (names.includes(name)) return line.slice(colon + 1).trim();
  }
  return undefined;
}

export function summarizeCall(callId: string, chunks: Chunk[]): CallSummary | undefined {
  if (chunks.length === 0) return undefined;
  // Collector times read once: BigInt parsing in the comparisons cost more than the rest.
  const ref = new Map<Chunk, bigint>();
  for (const c of chunks) ref.set(c, BigInt(c.ref_ts));
  const at = (c: Chunk) => ref.get(c)!;
  let first = chunks[0]!, last = chunks[0]!;
  for (const c of chunks) {
    if (at(c) < at(first)) first = c;
    if (at(c) > at(last)) last = c;
  }
  const sorted = [...chunks].sort((a, b) => (at(a) < at(b) ? -1 : at(a) > at(b) ? 1 : 0));
  const initial = sorted.find((c) => c.kind === 'sip' && c.status === undefined && c.method !== undefined && c.method !== 'ACK')
    ?? sorted.find((c) => c.kind === 'sip');
  const method = initial?.method ?? initial?.cseq_method;
  let status: number | undefined, reason: string | undefined;
  if (initial && method) {
    // The final response to the initial request's method with the highest CSeq of that method
    // from the caller's side (a challenged INVITE is re-sent with a higher CSeq).
    let best: Chunk | undefined;
    for (const c of sorted) {
      if (c.status === undefined || c.status < 200 || c.cseq_method !== method) continue;
      if (initial.from_tag && c.from_tag && c.from_tag !== initial.from_tag) continue;
      // Highest CSeq wins; for the same CSeq the first final response seen (relayed copies follow).
      if (!best || (c.cseq_num ?? 0) > (best.cseq_num ?? 0)) best = c;
    }
    status = best?.status;
    reason = best?.reason;
  }
  // The analysis sees hops and attempts: its status is the caller's, where the loop above may
  // pick a downstream copy; it wins when it has one.
  const analysis = analyzeDialogue(buildDialogue(chunks), { callId });
  const o = analysis.outcome;
  if (o.status !== undefined) { status = o.status; reason = o.reason; }
  const from = initial ? uriOf(rawHeader(initial, ['from', 'f'], 'f')) : undefined;
  const to = initial ? uriOf(rawHeader(initial, ['to', 't'], 't')) : undefined;
  return {
    'call-id': callId,
    first: toIso(at(first)),
    last: toIso(at(last)),
    first_ts: first.ref_ts,
    last_ts: last.ref_ts,
    from, to, method, status, reason,
    messages: chunks.length,
    capture_points: [...new Set(chunks.map((c) => c.parser))].sort(),
    outcome: o.outcome,
    generated_by: o.generated_by,
    failed_leg: o.failed_leg,
    setup_ms: o.method === 'INVITE' ? o.timing.setup_ms ?? o.timing.final_ms : undefined,
    post_dial_delay_ms: o.timing.post_dial_delay_ms,
    errors: analysis.findings.filter((f) => f.severity === 'error').length,
    warnings: analysis.findings.filter((f) => f.severity === 'warning').length,
  };
}
