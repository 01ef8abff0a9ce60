import type { Counters } from '../../base/counters.js';
import { EventActions, TrackEvent, type EventAction } from '../../track/track-event.js';
import type { RateOptions } from '../options.js';
import type { Processor } from '../processor.js';
import { setRate, type RateInfo, type RateState } from '../rate-info.js';
import { nextReport } from './backoff.js';
import { CalmHeap } from './calm-heap.js';
import { CALM, HOT, KeyTable } from './key-table.js';

const ACTION_INDEX = new Map<string, number>(EventActions.map((a, i) => [a, i]));
const name = (prefix: string): string[] => EventActions.map((a) => prefix + a);
// Counter names built once: the hot path must not concatenate strings per event.
const EMITTED = name('guard.events.emitted.');
const SUPPRESSED = name('guard.events.suppressed.');
const SUMMARIES = name('guard.events.summaries.');

/**
 * Per-(event type, client IP) rate limits with exponential back-off.
 *
 * Rates are exponentially decayed counts, one per window w: on each occurrence
 * r ← r·e^(−Δt/w) + 1. For a steady rate λ, r settles at λ·w, the count a sliding window of length w
 * would hold; a burst of N adds N at once. Per key this is one number per window and one timestamp,
 * and the moment a silent key falls below a threshold is known in closed form, so calm-down needs
 * no polling: t = last + w·ln(r / threshold).
 *
 * An occurrence that finds some r_w ≥ limit_w − ¼ (before counting itself) starts an episode. During the
 * episode every occurrence is counted, and only the 1st, the `firstReport`th and then doubling ones
 * (gap capped at `maxReportInterval`) are passed on, annotated with the rate fields. The episode ends
 * when every r_w < calmFraction·limit_w; a summary event then reports the suppressed remainder.
 * All time is packet time; `tick(nowUs)` releases the summaries that are due.
 */
export class RateLimiter implements Processor {
  readonly name = 'rate';
  private o: RateOptions;
  private readonly table: KeyTable;
  private readonly heap = new CalmHeap();
  private readonly W: number;
  private readonly windowUs: Float64Array;
  private readonly invWindowUs: Float64Array;
  private readonly limit: Float64Array;
  private readonly overAt: Float64Array;
  private readonly calmAt: Float64Array;
  private idleUs: number;
  /** Summaries made inside run() (evictions), handed out by the next tick(). */
  private readonly pending: TrackEvent[] = [];
  nowUs = 0;

  constructor(
    opts: RateOptions,
    readonly counters: Counters,
  ) {
    this.o = opts;
    this.W = opts.windows.length;
    this.windowUs = Float64Array.from(opts.windows, (w) => w.seconds * 1e6);
    this.invWindowUs = this.windowUs.map((w) => 1 / w);
    this.limit = Float64Array.from(opts.windows, (w) => w.limit);
    // Over when the earlier occurrences' decayed count reaches limit − ¼: a burst of limit + 1 is
    // over, a steady rate of exactly limit per window is not (its count peaks at limit + ½ + 1/(12·limit)).
    this.overAt = this.limit.map((l) => l - 0.25);
    this.calmAt = this.limit.map((l) => l * opts.calmFraction);
    this.idleUs = opts.idleTimeout * 1e6;
    this.table = new KeyTable(this.W, opts.maxKeys, EventActions.length);
  }

  /**
   * New settings without losing state (configuration reload): limits, report spacing, calm fraction,
   * idle timeout and on/off take effect at once; open episodes are re-timed against the new calm
   * thresholds. The windows' lengths and `maxKeys` shape the table: when they change, the old values
   * stay and their names are returned (a restart applies them).
   */
  reconfigure(next: RateOptions): string[] {
    const restart: string[] = [];
    const sameWindows = next.windows.length === this.W && next.windows.every((w, i) => w.seconds === this.o.windows[i]!.seconds);
    if (!sameWindows) restart.push('rate.windows (lengths)');
    if (next.maxKeys !== this.o.maxKeys) restart.push('rate.maxKeys');
    this.o = { ...next, windows: sameWindows ? next.windows : this.o.windows, maxKeys: this.o.maxKeys };
    if (sameWindows) {
      for (let w = 0; w < this.W; w++) {
        const l = next.windows[w]!.limit;
        this.limit[w] = l;
        this.overAt[w] = l - 0.25;
        this.calmAt[w] = l * next.calmFraction;
      }
    } else {
      for (let w = 0; w < this.W; w++) this.calmAt[w] = this.limit[w]! * next.calmFraction;
    }
    this.idleUs = next.idleTimeout * 1e6;
    // Open episodes: the calm time each was queued with followed the old thresholds.
    const t = this.table;
    for (let s = t.head[HOT]!; s >= 0; s = t.next[s]!) {
      t.gen[s] = (t.gen[s]! + 1) >>> 0;
      this.heap.push(this.calmTime(s), s, t.gen[s]!);
    }
    return restart;
  }

  /** Keys held, and how many are in an episode. */
  get keys(): { keys: number; exceeded: number; capacity: number; columnBytes: number } {
    const t = this.table;
    return { keys: t.size, exceeded: t.count[HOT]!, capacity: t.capacity, columnBytes: t.columnBytes };
  }

  /** Keys in an episode now (the HOT list, most recently active last), at most `max`: for the API. */
  limited(max: number): Array<{ action: EventAction; ip: string; sinceUs: number; exceeded: number; suppressed: number }> {
    const t = this.table;
    const out = [];
    for (let s = t.head[HOT]!; s >= 0 && out.length < max; s = t.next[s]!) {
      out.push({ action: EventActions[t.action[s]!]!, ip: t.ip[s]!, sinceUs: t.sinceUs[s]!, exceeded: t.exceeded[s]!, suppressed: t.suppressedTotal[s]! });
    }
    return out;
  }

  run(e: TrackEvent): TrackEvent | null {
    const a = ACTION_INDEX.get(e.action)!;
    if (!this.o.enabled) {
      this.counters.inc(EMITTED[a]!);
      return e;
    }
    if (e.tsUs > this.nowUs) this.nowUs = e.tsUs;
    const now = this.nowUs;
    const t = this.table;
    const ip = e.client !== null ? e.client.ip : '';
    let s = t.find(a, ip);
    if (s < 0) {
      if (t.full) this.evictOne(now);
      s = t.add(a, ip, now);
    } else {
      this.decay(s, now);
    }
    t.port[s] = e.client !== null ? e.client.port : -1;
    const W = this.W;
    const base = s * W;
    const r = t.rate;
    if (t.sinceUs[s]! < 0) {
      let over = false;
      for (let w = 0; w < W; w++) if (r[base + w]! >= this.overAt[w]!) over = true;
      for (let w = 0; w < W; w++) r[base + w]!++;
      if (!over) {
        t.touch(s, CALM, now);
        this.counters.inc(EMITTED[a]!);
        return e;
      }
      t.sinceUs[s] = now;
      t.exceeded[s] = 0;
      t.nextReport[s] = 1;
      t.suppressed[s] = 0;
      t.suppressedTotal[s] = 0;
      t.gen[s] = (t.gen[s]! + 1) >>> 0;
      t.touch(s, HOT, now);
      this.heap.push(this.calmTime(s), s, t.gen[s]!);
      this.counters.inc('guard.rate.episodes');
    } else {
      for (let w = 0; w < W; w++) r[base + w]!++;
      t.touch(s, HOT, now);
    }
    const n = ++t.exceeded[s]!;
    if (n >= t.nextReport[s]!) {
      t.nextReport[s] = nextReport(n, this.o.firstReport, this.o.maxReportInterval);
      setRate(e, this.info(s, 'exceeded', now));
      t.suppressed[s] = 0;
      this.counters.inc(EMITTED[a]!);
      return e;
    }
    t.suppressed[s]!++;
    t.suppressedTotal[s]!++;
    this.counters.inc(SUPPRESSED[a]!);
    return null;
  }

  /**
   * Advances packet time: ends the episodes whose keys have calmed down by `nowUs` and expires idle
   * keys. Returns the summaries to emit (in calm-time order, after any made by evictions since the
   * last tick). Time never goes back: an earlier `nowUs` is ignored.
   */
  tick(nowUs: number): TrackEvent[] {
    if (nowUs > this.nowUs) this.nowUs = nowUs;
    const now = this.nowUs;
    const t = this.table;
    const h = this.heap;
    const idleUs = this.idleUs;
    const calmHead = t.head[CALM]!;
    // Called before every event: the usual answer is "nothing due", decided without allocating.
    if (this.pending.length === 0 && h.peekDue() > now && (calmHead < 0 || t.touchUs[calmHead]! + idleUs > now)) return [];
    const out = this.pending.length > 0 ? this.pending.splice(0) : [];
    while (h.peekDue() <= now) {
      const due = h.peekDue();
      const s = h.peekSlot();
      const g = h.peekGen();
      h.pop();
      if (g !== t.gen[s] || t.sinceUs[s]! < 0) continue;
      const tc = this.calmTime(s);
      // Occurrences since the entry was pushed moved calm later: re-arm (and, if that is still
      // by now, it surfaces again in order).
      if (tc > due) h.push(tc, s, g);
      else out.push(this.endEpisode(s, 'calm', tc));
    }
    for (let s = t.head[CALM]!; s >= 0 && t.touchUs[s]! + idleUs <= now; s = t.head[CALM]!) {
      t.remove(s);
      this.counters.inc('guard.rate.keys_expired');
    }
    return out;
  }

  /** End of input: due summaries, then one `end` summary per episode still open. */
  finish(nowUs = this.nowUs): TrackEvent[] {
    const out = this.tick(nowUs);
    const t = this.table;
    while (t.head[HOT]! >= 0) out.push(this.endEpisode(t.head[HOT]!, 'end', this.nowUs));
    return out;
  }

  private decay(s: number, now: number): void {
    const t = this.table;
    const dt = now - t.lastUs[s]!;
    if (dt <= 0) return;
    t.lastUs[s] = now;
    const base = s * this.W;
    for (let w = 0; w < this.W; w++) t.rate[base + w]! *= Math.exp(-dt * this.invWindowUs[w]!);
  }

  /** When the key, left alone, has every window below calmFraction × its limit. */
  private calmTime(s: number): number {
    const t = this.table;
    const base = s * this.W;
    let wait = 0;
    for (let w = 0; w < this.W; w++) {
      const r = t.rate[base + w]!;
      const c = this.calmAt[w]!;
      if (r > c) wait = Math.max(wait, this.windowUs[w]! * Math.log(r / c));
    }
    return t.lastUs[s]! + Math.ceil(wait);
  }

  /** Room for one key: the least recently seen calm key, else the least recently seen exceeded one (with a summary). */
  private evictOne(now: number): void {
    const t = this.table;
    const calm = t.head[CALM]!;
    if (calm >= 0) {
      t.remove(calm);
      this.counters.inc('guard.rate.keys_evicted');
      return;
    }
    const hot = t.head[HOT]!;
    this.pending.push(this.endEpisode(hot, 'evicted', now));
    t.remove(hot);
    this.counters.inc('guard.rate.keys_evicted_exceeded');
  }

  private endEpisode(s: number, state: RateState, tsUs: number): TrackEvent {
    const t = this.table;
    const a = t.action[s]!;
    const e = new TrackEvent(EventActions[a] as EventAction, tsUs);
    const ip = t.ip[s]!;
    if (ip !== '') e.client = { ip, port: t.port[s]! >= 0 ? t.port[s]! : 0 };
    setRate(e, this.info(s, state, tsUs));
    t.sinceUs[s] = -1;
    t.gen[s] = (t.gen[s]! + 1) >>> 0;
    t.touch(s, CALM, this.nowUs);
    this.counters.inc(SUMMARIES[a]!);
    this.counters.inc('guard.rate.summaries.' + state);
    return e;
  }

  /** The rate fields: the window furthest over its limit at `atUs` (rates decayed to then, not stored). */
  private info(s: number, state: RateState, atUs: number): RateInfo {
    const t = this.table;
    const base = s * this.W;
    const dt = Math.max(0, atUs - t.lastUs[s]!);
    let best = 0;
    let bestRatio = -1;
    let bestRate = 0;
    for (let w = 0; w < this.W; w++) {
      const r = t.rate[base + w]! * Math.exp(-dt * this.invWindowUs[w]!);
      const ratio = r / this.limit[w]!;
      if (ratio > bestRatio) {
        bestRatio = ratio;
        best = w;
        bestRate = r;
      }
    }
    return {
      state,
      exceeded: t.exceeded[s]!,
      suppressed: t.suppressed[s]!,
      suppressedTotal: t.suppressedTotal[s]!,
      current: Math.round(bestRate),
      limit: this.limit[best]!,
      windowS: this.o.windows[best]!.seconds,
      sinceUs: t.sinceUs[s]!,
    };
  }
}
