// Escaping for the HTML page. SIP headers are attacker-controlled (a From display name or a
// User-Agent can hold `<script>` or `"><img onerror=…>`), so every piece of message text goes
// through one of these before it reaches the page, and the page's script only ever assigns
// textContent.

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** For HTML text and double- or single-quoted attribute values (also inside inline SVG). */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

/**
 * JSON to embed in `<script type="application/json">`: `<`, `>` and `&` as \u escapes, so
 * that no `</script>` or `<!--` can end or alter the block, and U+2028/U+2029 escaped too (they
 * end a line in older JavaScript). JSON.parse of the block's textContent gives the value back.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}
