// In V8 a string cut from a longer one (a Call-ID sliced from a SIP message, a host from a log
// piece) is a view that keeps the whole original alive for as long as the cut lives. What
// outlives its input (caches, recency sets) keeps its own copy instead, or, where a table of
// numbers will do, a hash of it (hash53).

const NOT_LATIN1 = /[^\u0000-\u00ff]/;

/** A flat copy of `s` that holds on to no other string. Short slices are copied by V8 itself. */
export function ownText(s: string): string {
  if (s.length < 13) return s;
  // latin1 keeps a one-byte string one byte a character; anything wider round-trips as UTF-16.
  return NOT_LATIN1.test(s) ? Buffer.from(s, 'utf16le').toString('utf16le') : Buffer.from(s, 'latin1').toString('latin1');
}

// Any character: a test that must read the whole string.
const ANY_AT_END = /[^]$/;

/**
 * `s` itself, made flat. A string built by concatenation (a store line: some hundred pieces) is
 * a tree of its pieces in V8 until something reads it whole, and the tree took ~6x the line's
 * length (a batch of 4,000 lines: ~24 MB instead of ~4). A regular expression match makes V8
 * flatten its subject in place first; the pieces then die young instead of living in the batch.
 */
export function flatten(s: string): string {
  ANY_AT_END.test(s);
  return s;
}

/**
 * A 53-bit hash of a string (two FNV-1a-like 32-bit lanes, 32 + 21 bits): a safe integer, for
 * tables of numbers where a string per entry would cost too much (distinct calls, capture
 * duplicates).
 */
export function hash53(text: string): number {
  let a = 0x811c9dc5, b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  return (a >>> 0) * 0x200000 + ((b >>> 0) & 0x1fffff);
}
