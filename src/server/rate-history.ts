import type { Counters } from '../base/counters.js';
import type { OutputRecord } from '../events/record.js';

export interface RatePoint {
  /** Start of the interval, ms since the epoch (packet time). */
  t: number;
  messages: number;
  events: number;
  alerts: number;
  parseErrors: number;
}

/**
 * Message, event and alert counts per interval for the dashboard's charts, on packet time (a replayed
 * file charts its own hours, not the seconds it took to read). A fixed ring: the last `points`
 * intervals. Messages come from counter deltas at each clock step, events and alerts from the
 * records written (their own timestamps).
 */
export class RateHistory {
  private readonly ring: RatePoint[] = [];
  private lastMessages = 0;
  private lastErrors = 0;

  constructor(
    private readonly counters: Counters,
    readonly intervalS = 10,
    private readonly points = 360,
  ) {}

  /** The clock moved to `nowUs`; the messages counted since the previous step arrived from `sinceUs` on. */
  step(nowUs: number, sinceUs = nowUs): void {
    const messages = this.counters.get('sip.messages');
    const errors = this.counters.get('sip.parse_errors');
    const p = this.bucket(Math.floor(sinceUs / 1000));
    if (p !== null) {
      p.messages += messages - this.lastMessages;
      p.parseErrors += errors - this.lastErrors;
    }
    this.lastMessages = messages;
    this.lastErrors = errors;
  }

  record(r: OutputRecord): void {
    if (r.kind !== 'event' && r.kind !== 'alert') return;
    const p = this.bucket(r.tsMs);
    if (p === null) return;
    if (r.kind === 'event') p.events++;
    else p.alerts++;
  }

  /** Oldest first, every interval between the first and the last present (empty ones as zeros). */
  series(): RatePoint[] {
    return this.ring.map((p) => ({ ...p }));
  }

  /** The interval holding tMs, created (with any empty ones before it) when new; null when older than the ring. */
  private bucket(tMs: number): RatePoint | null {
    const w = this.intervalS * 1000;
    const t = Math.floor(tMs / w) * w;
    const last = this.ring[this.ring.length - 1];
    if (last === undefined || t > last.t) {
      // A jump longer than the ring (a gap in the capture) starts the ring afresh.
      const fresh = last === undefined || t - last.t > this.points * w;
      if (fresh) this.ring.length = 0;
      let from = fresh ? t : last.t + w;
      for (; from <= t; from += w) this.ring.push({ t: from, messages: 0, events: 0, alerts: 0, parseErrors: 0 });
      if (this.ring.length > this.points) this.ring.splice(0, this.ring.length - this.points);
      return this.ring[this.ring.length - 1]!;
    }
    const i = this.ring.length - 1 - (last.t - t) / w;
    return i >= 0 ? this.ring[i]! : null;
  }
}
