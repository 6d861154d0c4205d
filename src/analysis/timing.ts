// Timing findings: post-dial delay, setup time, answer-to-ACK and duration of the call, with
// warnings where they point at a problem (slow routing, a lost or late ACK).
import type { Finding, Timing } from './types.js';
import type { CallModel } from './outcome.js';
import { ackFor } from './outcome.js';

/** Post-dial delay above this is commonly felt as a failure (ITU-T E.721 ranges). */
export const SLOW_PDD_MS = 5000;
/** An ACK later than T1 means the 2xx was (or should have been) retransmitted. */
export const LATE_ACK_MS = 500;

export function timingRule(cm: CallModel, timing: Timing): Finding[] {
  const out: Finding[] = [];
  const t = cm.decisive;
  if (!t || t.method !== 'INVITE') return out;
  const first = t.requests[0]!;
  const parts: string[] = [];
  if (timing.post_dial_delay_ms !== undefined) parts.push(`post-dial delay ${fmt(timing.post_dial_delay_ms)}`);
  if (timing.setup_ms !== undefined) parts.push(`setup ${fmt(timing.setup_ms)}`);
  if (timing.answer_to_ack_ms !== undefined) parts.push(`answer→ACK ${fmt(timing.answer_to_ack_ms)}`);
  if (timing.duration_ms !== undefined) parts.push(`duration ${fmt(timing.duration_ms)}`);
  if (timing.challenge_ms !== undefined) parts.push(`after ${cm.attempts.length - 1} challenged attempt${cm.attempts.length > 2 ? 's' : ''} (${fmt(timing.challenge_ms)} earlier)`);
  const ok = t.responses.find((r) => r.status! >= 200 && r.status! < 300);
  const ringing = t.responses.find((r) => r.status! >= 180 && r.status! < 200);
  if (parts.length) {
    out.push({ rule: 'timing', severity: 'info', message: parts.join(', '), evidence: [first.index, ...(ringing ? [ringing.index] : []), ...(ok ? [ok.index] : [])], details: { ...timing } });
  }
  const pdd = timing.post_dial_delay_ms ?? (ok ? undefined : timing.setup_ms);
  if (pdd !== undefined && pdd > SLOW_PDD_MS) {
    out.push({ rule: 'slow-post-dial-delay', severity: 'warning', message: `post-dial delay ${fmt(pdd)} (more than ${SLOW_PDD_MS / 1000} s before the first ring)`, evidence: [first.index, ...(ringing ? [ringing.index] : [])], details: { post_dial_delay_ms: pdd } });
  }
  // Beyond Timer H (64·T1) the UAS has given up: that is no late ACK but implausible clocks.
  if (ok && timing.answer_to_ack_ms !== undefined && timing.answer_to_ack_ms > LATE_ACK_MS && timing.answer_to_ack_ms <= 32000) {
    const ack = ackFor(cm, t, ok.time);
    out.push({ rule: 'late-ack', severity: 'warning', message: `ACK ${fmt(timing.answer_to_ack_ms)} after the ${ok.status}: the 2xx had to be retransmitted or the ACK took another path`, evidence: [ok.index, ...(ack ? [ack.index] : [])], details: { answer_to_ack_ms: timing.answer_to_ack_ms } });
  }
  return out;
}

function fmt(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : ms < 60000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.floor(ms / 60000)} min ${Math.round((ms % 60000) / 1000)} s`;
}
