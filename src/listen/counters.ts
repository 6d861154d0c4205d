// What a listener has seen, for the periodic status line and the final report.

export class ListenCounters {
  /** Datagrams and framed stream packets received (before any check). */
  received = 0;
  bytes = 0;
  /** Chunks handed to the store (stored = written + duplicates once flushed). */
  chunks = 0;
  stored = 0;
  duplicates = 0;
  /** Packets lost: the store could not keep up and the queue and the spool were full (reasons in dropReasons). */
  dropped = 0;
  readonly dropReasons = new Map<string, number>();
  /** Packets put in the spool while the store was behind, and handed back from it. */
  spooled = 0;
  replayed = 0;
  readonly rejected = new Map<string, number>();
  readonly decodeErrors = new Map<string, number>();
  readonly skipped = new Map<string, number>();
  tcpConnections = 0;
  tcpGarbageBytes = 0;
  readonly startedAt = Date.now();

  drop(reason: string, n = 1): void {
    this.dropped += n;
    this.count(this.dropReasons, reason, n);
  }

  count(map: Map<string, number>, reason: string, n = 1): void {
    map.set(reason, (map.get(reason) ?? 0) + n);
  }

  static total(map: Map<string, number>): number {
    let n = 0;
    for (const v of map.values()) n += v;
    return n;
  }

  /** One line for stderr: totals and the rate since the previous line. */
  statusLine(prev?: { received: number; at: number }): string {
    const now = Date.now();
    const rate = prev ? (this.received - prev.received) / Math.max(0.001, (now - prev.at) / 1000) : undefined;
    const parts = [
      `received ${this.received}` + (rate !== undefined ? ` (${Math.round(rate)}/s)` : ''),
      `stored ${this.stored}`,
      `duplicates ${this.duplicates}`,
      `rejected ${ListenCounters.total(this.rejected)}`,
      `decode errors ${ListenCounters.total(this.decodeErrors)}`,
      `skipped ${ListenCounters.total(this.skipped)}`,
      `dropped ${this.dropped}`,
    ];
    if (this.spooled > 0) parts.push(`spool backlog ${this.spooled - this.replayed}`);
    return `listen: ${parts.join(', ')}`;
  }

  toJson(): Record<string, unknown> {
    const obj = (m: Map<string, number>) => Object.fromEntries([...m.entries()].sort());
    return {
      received: this.received,
      bytes: this.bytes,
      chunks: this.chunks,
      stored: this.stored,
      duplicates: this.duplicates,
      dropped: this.dropped,
      dropped_reasons: obj(this.dropReasons),
      spooled: this.spooled,
      replayed: this.replayed,
      rejected: obj(this.rejected),
      decode_errors: obj(this.decodeErrors),
      skipped: obj(this.skipped),
      tcp_connections: this.tcpConnections,
      tcp_garbage_bytes: this.tcpGarbageBytes,
      seconds: Math.round((Date.now() - this.startedAt) / 100) / 10,
    };
  }

  /** The final report: one line per counter family, reasons in brackets. */
  report(): string[] {
    const detail = (m: Map<string, number>) => {
      const total = ListenCounters.total(m);
      return m.size === 0 ? `${total}` : `${total} (${[...m.entries()].sort().map(([r, n]) => `${r}: ${n}`).join(', ')})`;
    };
    return [
      `received: ${this.received} packets, ${this.bytes} bytes`,
      `stored: ${this.stored} new chunks, ${this.duplicates} duplicates`,
      `rejected: ${detail(this.rejected)}`,
      `decode errors: ${detail(this.decodeErrors)}`,
      `skipped: ${detail(this.skipped)}`,
      `spooled while the store was behind: ${this.spooled}, replayed ${this.replayed}`,
      `dropped: ${detail(this.dropReasons)}`,
    ];
  }
}
