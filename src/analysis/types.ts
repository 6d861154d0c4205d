// What the analysis says about a dialogue: an outcome (how the call ended, who generated the
// final response, on which leg), findings (what went wrong, with the messages that prove it) and
// per-hop timing. Plain JSON-ready values; recomputed from the dialogue every time (issue 5).

export type Severity = 'error' | 'warning' | 'info';

export interface Finding {
  /** Stable rule id, e.g. 'retransmission', 'auth-loop'. */
  rule: string;
  severity: Severity;
  /** One line for people. */
  message: string;
  /** Indexes of the dialogue messages that show it (DialogueMessage.index). */
  evidence: number[];
  details?: Record<string, unknown>;
}

export type OutcomeKind =
  | 'answered' | 'busy' | 'rejected' | 'cancelled' | 'unanswered' | 'timeout'
  | 'registered' | 'challenged' | 'unknown';

/** Kazoo's failure_location (KAZOO.md §6): the caller's side of the first proxy, or beyond it. */
export type FailedLeg = 'origination' | 'termination';

/** Milliseconds (fractional), on the dialogue's corrected timeline. */
export interface Timing {
  /** INVITE → first 18x (post-dial delay). */
  post_dial_delay_ms?: number;
  /** INVITE → 2xx (setup time). */
  setup_ms?: number;
  /** 2xx → ACK. */
  answer_to_ack_ms?: number;
  /** 2xx (or its ACK) → BYE. */
  duration_ms?: number;
  /** INVITE → final response of any class. */
  final_ms?: number;
  /** First attempt → the decisive one, when it was challenged (401/407) first. */
  challenge_ms?: number;
}

export interface Outcome {
  outcome: OutcomeKind;
  /** Final status of the initial request as the caller saw it (the most upstream hop seen). */
  status?: number;
  reason?: string;
  method?: string;
  call_id?: string;
  /** ip:port of the node that generated the final response rather than relayed it. */
  generated_by?: string;
  /** Hop (0 = the caller's) on which the final response was generated. */
  failed_hop?: number;
  failed_leg?: FailedLeg;
  /** How generated_by/failed_leg were decided: 'hops' (seen relayed along the hops) or 'edge' (only the caller's hop was captured: the status class decides the leg). */
  basis?: 'hops' | 'edge';
  /** Hops of the initial request seen in the capture. */
  hops_seen: number;
  timing: Timing;
  /** The messages the outcome rests on: the initial request and its final response on each hop. */
  evidence: number[];
}

export interface HopTiming extends Timing {
  /** 0 = the caller's hop, 1 = the next downstream hop, … */
  hop: number;
  src?: string;
  dst?: string;
  /** Index of the INVITE (or initial request) on this hop. */
  request: number;
  /** Final response on this hop. */
  status?: number;
  final?: number;
}

export interface Analysis {
  call_ids: string[];
  outcome: Outcome;
  findings: Finding[];
  hops: HopTiming[];
  /** With related legs in the dialogue: each other leg's own outcome. */
  legs?: Outcome[];
}
