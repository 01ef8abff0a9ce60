/**
 * Decides when a growing loss counter (kernel drops of a capture or a socket) is worth a warning:
 * at once on the first loss, then at most once per interval with what was lost since the last
 * warning. A steady overload gives one log line a minute, not one per check.
 */
export class DropNotice {
  private warned = 0;
  private lastWarnMs = -Infinity;

  constructor(private readonly intervalMs = 60_000) {}

  /** Losses to report now (since the last report), or 0 when there are none or it is too soon. */
  due(total: number, nowMs: number): number {
    if (total < this.warned) this.warned = 0; // the counter restarted: count from zero
    const fresh = total - this.warned;
    if (fresh === 0 || nowMs - this.lastWarnMs < this.intervalMs) return 0;
    this.warned = total;
    this.lastWarnMs = nowMs;
    return fresh;
  }
}
