import { MapSweeper } from './map-sweeper.js';
import { CappedMap } from '../../base/capped-map.js';

interface GateEntry {
  lastUs: number;
  lastCount: number;
  occurrence: number;
}

export type GateDecision = 'alert' | 'quiet';

/**
 * De-duplication of alerts per (rule, key): the first crossing alerts; later crossings stay quiet
 * unless the evidence has at least doubled (and a minute has passed) or `realert` has passed with
 * new evidence. A global per-second budget stops a storm of distinct keys from becoming an alert
 * storm. Entries are bounded like the source table.
 */
export class AlertGate {
  private readonly map: CappedMap<string, GateEntry>;
  private readonly sweeper: MapSweeper<string, GateEntry>;
  private secondUs = -1;
  private inSecond = 0;
  dropped = 0;

  constructor(
    private realertUs: number,
    private maxPerSecond: number,
    maxKeys: number,
  ) {
    this.map = new CappedMap(maxKeys);
    this.sweeper = new MapSweeper(this.map);
  }

  /** New re-alert interval and per-second budget (configuration reload); remembered keys stay. */
  configure(realertUs: number, maxPerSecond: number): void {
    this.realertUs = realertUs;
    this.maxPerSecond = maxPerSecond;
  }

  /** Whether to alert now; on 'alert' `occurrence` says which one this is. */
  decide(key: string, count: number, nowUs: number): { decision: GateDecision; occurrence: number } {
    const e = this.map.get(key);
    if (e !== undefined) {
      const since = nowUs - e.lastUs;
      const doubled = count >= 2 * e.lastCount && since >= 60_000_000;
      const stale = since >= this.realertUs && count > e.lastCount;
      if (!doubled && !stale) return { decision: 'quiet', occurrence: e.occurrence };
    }
    const sec = Math.floor(nowUs / 1_000_000);
    if (sec !== this.secondUs) {
      this.secondUs = sec;
      this.inSecond = 0;
    }
    if (this.inSecond >= this.maxPerSecond) {
      this.dropped++;
      return { decision: 'quiet', occurrence: e?.occurrence ?? 0 };
    }
    this.inSecond++;
    if (e === undefined) {
      this.map.add(key, { lastUs: nowUs, lastCount: count, occurrence: 1 });
      return { decision: 'alert', occurrence: 1 };
    }
    e.lastUs = nowUs;
    e.lastCount = count;
    e.occurrence++;
    return { decision: 'alert', occurrence: e.occurrence };
  }

  /** Drops entries not re-alerted within `realert` (their next crossing is a first alert again). */
  sweep(nowUs: number, budget: number): void {
    this.sweeper.sweep(budget, (e) => nowUs - e.lastUs >= this.realertUs);
  }

  get size(): number {
    return this.map.size;
  }
}
