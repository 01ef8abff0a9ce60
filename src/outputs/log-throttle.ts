import type { Log } from '../base/log.js';

/**
 * Warnings that can repeat once per record or per retry (drops, failures) are logged at most once per
 * interval and key; the next line that gets through says how many were held back, so a stuck output
 * fills the log with one line every few seconds instead of thousands.
 */
export class LogThrottle {
  private readonly last = new Map<string, { at: number; held: number }>();

  constructor(
    private readonly log: Log,
    private readonly intervalMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  warn(key: string, fields: Record<string, unknown>, msg: string): void {
    const t = this.now();
    const s = this.last.get(key);
    if (s !== undefined && t - s.at < this.intervalMs) {
      s.held++;
      return;
    }
    this.log.warn(s !== undefined && s.held > 0 ? { ...fields, suppressed: s.held } : fields, msg);
    this.last.set(key, { at: t, held: 0 });
  }
}
